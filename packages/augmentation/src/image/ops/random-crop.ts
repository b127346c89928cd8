import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { finiteNumber, integer, knownFields, oneOf, size } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { warpAffine } from '../functional/affine.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** How {@link randomCrop} pads. */
export type PaddingMode = 'constant' | 'reflect' | 'symmetric';

/** Options of {@link randomCrop}. */
export interface RandomCropOptions {
  /** Crop `[height, width]` (or one number for a square). Required. */
  size: number | [number, number];
  /** Pixels added on every side before cropping. Default 0. */
  padding?: number;
  /** `constant` (fill with `fillValue`), `reflect` (dcb|abcd) or `symmetric` (cba|abcd). Default `constant`. */
  paddingMode?: PaddingMode;
  /** Pixel value of `constant` padding. Default 0. */
  fillValue?: number;
}

const name = 'randomCrop';

/** Pads each image, then cuts a `size` window at a random position (CIFAR-style). */
export function randomCrop(options: RandomCropOptions): ImageOp {
  knownFields(name, options as never, ['size', 'padding', 'paddingMode', 'fillValue']);
  const cropSize = size(`${name}.size`, options.size);
  const padding = integer(`${name}.padding`, options.padding ?? 0, 0);
  const paddingMode = oneOf(`${name}.paddingMode`, options.paddingMode ?? 'constant', [
    'constant',
    'reflect',
    'symmetric',
  ] as const);
  const fillValue = finiteNumber(`${name}.fillValue`, options.fillValue ?? 0);
  return defineImageOp({
    name,
    options: { size: cropSize, padding, paddingMode, fillValue },
    run({ images, random }) {
      const [count, inHeight, inWidth] = images.shape;
      const paddings: Array<[number, number]> = [
        [0, 0],
        [padding, padding],
        [padding, padding],
        [0, 0],
      ];
      if (
        paddingMode !== 'constant' &&
        padding > Math.min(inHeight, inWidth) - (paddingMode === 'reflect' ? 1 : 0)
      ) {
        throw new InvalidArgumentError({
          argument: `${name}.padding`,
          value: padding,
          expected: `must be smaller than the image (${inHeight}x${inWidth}) for ${paddingMode} padding`,
        });
      }
      const height = inHeight + 2 * padding;
      const width = inWidth + 2 * padding;
      if (cropSize[0] > height || cropSize[1] > width) {
        throw new InvalidArgumentError({
          argument: `${name}.size`,
          value: cropSize,
          expected: `must fit in the padded image (${height}x${width})`,
        });
      }
      // Constant padding comes free from the warp's fill; mirror padding is done first.
      const mirrored = paddingMode !== 'constant' && padding > 0;
      const source = mirrored ? tf.mirrorPad(images, paddings, paddingMode) : images;
      const shift = mirrored ? 0 : padding;
      // An integer translation sampled with `nearest`: exact pixels, one kernel for the batch.
      const matrices = Array.from({ length: count }, () => {
        const top = random.int(0, height - cropSize[0]);
        const left = random.int(0, width - cropSize[1]);
        return [1, 0, left - shift, 0, 1, top - shift, 0, 0];
      });
      return {
        images: warpAffine(source as tf.Tensor4D, matrices, {
          fillMode: 'constant',
          fillValue,
          interpolation: 'nearest',
          outputSize: cropSize,
        }),
      };
    },
  });
}

export const randomCropDescriptor: ImageOpDescriptor = {
  name,
  description: 'pad, then crop a fixed-size window at a random position',
  create: (options) => randomCrop(options as unknown as RandomCropOptions),
};
