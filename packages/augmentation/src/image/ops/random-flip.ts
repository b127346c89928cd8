import type { ViewPlannableAugmentation } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { knownFields, oneOf, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { perSample } from '../functional/color.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { viewPlannerOf } from '../view-planner.js';

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

// tf.image.flipLeftRight has its own kernel; Reverse is several times slower on wasm.
function flipLeftRight(images: tf.Tensor4D): tf.Tensor4D {
  return tf.image.flipLeftRight(images);
}

function flipUpDown(images: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.image.flipLeftRight(tf.transpose(images, [0, 2, 1, 3])), [0, 2, 1, 3]);
}

/** Mirrors each image with the given probability. */
export function randomFlip(options: RandomFlipOptions = {}): ImageOp & ViewPlannableAugmentation {
  knownFields(name, options as never, ['mode', 'probability']);
  const mode = oneOf(`${name}.mode`, options.mode ?? 'horizontal', [
    'horizontal',
    'vertical',
    'horizontalAndVertical',
  ] as const);
  const chance = probability(`${name}.probability`, options.probability ?? 0.5);
  const op = defineImageOp({
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
        const flipped = axis === 2 ? flipLeftRight(output) : flipUpDown(output);
        if (selected.every((value) => value === 1)) {
          output = flipped;
          return;
        }
        // A 0/1 per-image blend: exact, and a [N, 1, 1, 1] broadcast is fast on every backend.
        output = tf.add(
          output,
          tf.mul(perSample(selected), tf.sub(flipped, output)),
        ) as tf.Tensor4D;
      });
      return { images: output };
    },
  });
  // A horizontal flip can be done by the decoder (see view-planner.ts).
  return Object.assign(op, { viewPlanner: () => viewPlannerOf([op], (seed) => seed) });
}

export const randomFlipDescriptor: ImageOpDescriptor = {
  name,
  description: 'mirror horizontally and/or vertically',
  create: (options) => randomFlip(options as RandomFlipOptions),
};
