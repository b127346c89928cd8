import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { knownFields, size } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link centerCrop}. */
export interface CenterCropOptions {
  /** Crop `[height, width]` (or one number for a square). Required. */
  size: number | [number, number];
}

const name = 'centerCrop';

/** Cuts the central `size` window (deterministic; for evaluation pipelines). */
export function centerCrop(options: CenterCropOptions): ImageOp {
  knownFields(name, options as never, ['size']);
  const cropSize = size(`${name}.size`, options.size);
  return defineImageOp({
    name,
    options: { size: cropSize },
    run({ images }) {
      const [, height, width] = images.shape;
      if (cropSize[0] > height || cropSize[1] > width) {
        throw new InvalidArgumentError({
          argument: `${name}.size`,
          value: cropSize,
          expected: `must fit in the image (${height}x${width})`,
        });
      }
      const top = Math.floor((height - cropSize[0]) / 2);
      const left = Math.floor((width - cropSize[1]) / 2);
      return { images: tf.slice(images, [0, top, left, 0], [-1, cropSize[0], cropSize[1], 3]) };
    },
  });
}

export const centerCropDescriptor: ImageOpDescriptor = {
  name,
  description: 'central fixed-size window',
  create: (options) => centerCrop(options as unknown as CenterCropOptions),
};
