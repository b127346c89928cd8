import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { finiteNumber, integer, knownFields, oneOf, size } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
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
      const padded =
        padding === 0
          ? images
          : paddingMode === 'constant'
            ? tf.pad(images, paddings, fillValue)
            : tf.mirrorPad(images, paddings, paddingMode);
      const height = inHeight + 2 * padding;
      const width = inWidth + 2 * padding;
      if (cropSize[0] > height || cropSize[1] > width) {
        throw new InvalidArgumentError({
          argument: `${name}.size`,
          value: cropSize,
          expected: `must fit in the padded image (${height}x${width})`,
        });
      }
      // One slice per image: exact pixels, and cheap next to the padding.
      const crops = Array.from({ length: count }, (_, index) => {
        const top = random.int(0, height - cropSize[0]);
        const left = random.int(0, width - cropSize[1]);
        return tf.slice(padded, [index, top, left, 0], [1, cropSize[0], cropSize[1], 3]);
      });
      return { images: count === 1 ? (crops[0] as tf.Tensor4D) : tf.concat(crops, 0) };
    },
  });
}

export const randomCropDescriptor: ImageOpDescriptor = {
  name,
  description: 'pad, then crop a fixed-size window at a random position',
  create: (options) => randomCrop(options as unknown as RandomCropOptions),
};
