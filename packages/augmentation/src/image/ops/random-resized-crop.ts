import type { SeededRandom, ViewPlannableAugmentation } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { knownFields, range, size } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { cropRegion } from '../functional/crop-region.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { viewPlannerOf } from '../view-planner.js';

/** Options of {@link randomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Output `[height, width]` (or one number for a square). Required. */
  size: number | [number, number];
  /** Range of the crop's area as a fraction of the image's. Default `[0.08, 1]` (torchvision). */
  scale?: [number, number];
  /** Range of the crop's aspect ratio (width / height). Default `[3/4, 4/3]`. */
  ratio?: [number, number];
}

const name = 'randomResizedCrop';

/**
 * Crops a random area and aspect ratio from each image and resizes it to `size`, as torchvision's
 * `RandomResizedCrop` (10 tries, then a centre crop at the nearest valid ratio). One
 * `cropAndResize` call with one box per image.
 */
export function randomResizedCrop(
  options: RandomResizedCropOptions,
): ImageOp & ViewPlannableAugmentation {
  knownFields(name, options as never, ['size', 'scale', 'ratio']);
  const outputSize = size(`${name}.size`, options.size);
  const scale = range(`${name}.scale`, options.scale ?? [0.08, 1], { lower: 0, upper: 1 });
  if (scale[1] === 0) range(`${name}.scale`, options.scale, { lower: Number.MIN_VALUE });
  const ratio = range(`${name}.ratio`, options.ratio ?? [3 / 4, 4 / 3], {
    lower: Number.MIN_VALUE,
  });
  const op = defineImageOp({
    name,
    options: { size: outputSize, scale, ratio },
    run({ images, random }) {
      const [count, height, width] = images.shape;
      const boxes = Array.from({ length: count }, () =>
        cropBox(random, height, width, scale, ratio),
      );
      return {
        images: tf.image.cropAndResize(
          images,
          tf.tensor2d(boxes, [count, 4]),
          tf.range(0, count, 1, 'int32') as tf.Tensor1D,
          outputSize,
          // Bilinear only: the wasm `CropAndResize` kernel's `nearest` rounds differently from
          // cpu's in tfjs 4.22, which would break cross-backend determinism.
          'bilinear',
        ),
      };
    },
  });
  // The decoder can take this crop over (see view-planner.ts); a single op is seeded as called.
  return Object.assign(op, { viewPlanner: () => viewPlannerOf([op], (seed) => seed) });
}

/** A normalised `[y1, x1, y2, x2]` box over whole pixels, torchvision's `get_params`. */
function cropBox(
  random: SeededRandom,
  height: number,
  width: number,
  scale: [number, number],
  ratio: [number, number],
): number[] {
  const region = cropRegion(random, height, width, scale, ratio);
  return pixelBox(region.top, region.left, region.height, region.width, height, width);
}

/**
 * The `cropAndResize` box whose corner samples fall on the crop's first and last pixel centres
 * (`cropAndResize` maps y1..y2 onto 0..H-1), moved inward by a thousandth of a pixel: at an
 * exact edge, float32 rounding in the wasm kernel can land just outside the image and
 * extrapolate a zero row, where the float64 cpu kernel does not.
 */
export function pixelBox(
  top: number,
  left: number,
  cropHeight: number,
  cropWidth: number,
  height: number,
  width: number,
): number[] {
  const margin = 1e-3;
  const y = (value: number, inward: number) =>
    height > 1 ? (value + inward * margin) / (height - 1) : 0;
  const x = (value: number, inward: number) =>
    width > 1 ? (value + inward * margin) / (width - 1) : 0;
  return [y(top, 1), x(left, 1), y(top + cropHeight - 1, -1), x(left + cropWidth - 1, -1)];
}

export const randomResizedCropDescriptor: ImageOpDescriptor = {
  name,
  description: 'random area and aspect-ratio crop, resized to a fixed size',
  create: (options) => randomResizedCrop(options as unknown as RandomResizedCropOptions),
};
