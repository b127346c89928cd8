import * as tf from '@tensorflow/tfjs-core';
import { knownFields, oneOf, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { perSample } from '../functional/color.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Which flips {@link randomFlip} may do. */
export type FlipMode = 'horizontal' | 'vertical' | 'horizontalAndVertical';

/** Options of {@link randomFlip}. */
export interface RandomFlipOptions {
  /** Default `horizontal` (mirror left-right). With `horizontalAndVertical` each flip is drawn independently. */
  mode?: FlipMode;
  /** Chance of each flip, per image. Default 0.5. */
  probability?: number;
}

const name = 'randomFlip';

/** Mirrors each image with the given probability. */
export function randomFlip(options: RandomFlipOptions = {}): ImageOp {
  knownFields(name, options as never, ['mode', 'probability']);
  const mode = oneOf(`${name}.mode`, options.mode ?? 'horizontal', [
    'horizontal',
    'vertical',
    'horizontalAndVertical',
  ] as const);
  const chance = probability(`${name}.probability`, options.probability ?? 0.5);
  return defineImageOp({
    name,
    options: { mode, probability: chance },
    run({ images, random }) {
      const count = images.shape[0];
      let output = images;
      const axes: Array<1 | 2> = mode === 'horizontal' ? [2] : mode === 'vertical' ? [1] : [2, 1];
      const draws = Array.from({ length: count }, () =>
        axes.map(() => (random.bernoulli(chance) ? 1 : 0)),
      );
      axes.forEach((axis, index) => {
        const selected = draws.map((draw) => draw[index] ?? 0);
        if (selected.every((value) => value === 0)) return;
        const mask = perSample(selected);
        // A 0/1 blend is exact and keeps the op one batched expression.
        output = tf.add(
          tf.mul(output, tf.sub(1, mask)),
          tf.mul(tf.reverse(output, axis), mask),
        ) as tf.Tensor4D;
      });
      return { images: output };
    },
  });
}

export const randomFlipDescriptor: ImageOpDescriptor = {
  name,
  description: 'mirror horizontally and/or vertically',
  create: (options) => randomFlip(options as RandomFlipOptions),
};
