import * as tf from '@tensorflow/tfjs-core';
import { knownFields, oneOf, size } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { type Interpolation, interpolations } from '../functional/affine.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link resize}. */
export interface ResizeOptions {
  /** Output `[height, width]` (or one number for a square). Required. */
  size: number | [number, number];
  /** Resampling. Default `bilinear`. */
  interpolation?: Interpolation;
}

const name = 'resize';

/** Stretches every image to `size` (half-pixel centres, like Keras and torchvision). */
export function resize(options: ResizeOptions): ImageOp {
  knownFields(name, options as never, ['size', 'interpolation']);
  const outputSize = size(`${name}.size`, options.size);
  const interpolation = oneOf(
    `${name}.interpolation`,
    options.interpolation ?? 'bilinear',
    interpolations,
  );
  return defineImageOp({
    name,
    options: { size: outputSize, interpolation },
    run({ images }) {
      return {
        images:
          interpolation === 'bilinear'
            ? tf.image.resizeBilinear(images, outputSize, false, true)
            : tf.image.resizeNearestNeighbor(images, outputSize, false, true),
      };
    },
  });
}

export const resizeDescriptor: ImageOpDescriptor = {
  name,
  description: 'resize to a fixed size',
  create: (options) => resize(options as unknown as ResizeOptions),
};
