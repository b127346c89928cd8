import {
  type AugmentOptions,
  type ImageBatch,
  InvalidArgumentError,
  type JsonObject,
  SeededRandom,
} from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { probability } from '../validate.js';
import { checkBatch, childSeed, withMetadata } from './define-image-op.js';
import { softLabels } from './functional/labels.js';
import { takeImages } from './functional/take-images.js';
import type { ImageOp, ImageOpContext, ImageOpDescriptor } from './image-op.js';

/**
 * Applies `op` to each image with probability `chance`: the chosen images are gathered into a
 * sub-batch, augmented, and put back in order. `op` must keep the image size. If `op` returns
 * soft labels, the untouched images' labels become one-hot rows.
 */
export function randomApply(chance: number, op: ImageOp): ImageOp {
  const checked = probability('randomApply.probability', chance);
  if (typeof op?.apply !== 'function') {
    throw new InvalidArgumentError({
      argument: 'randomApply.op',
      value: op,
      expected: 'must be an image op',
    });
  }
  return {
    name: 'randomApply',
    get options(): JsonObject {
      return { probability: checked, op: op.toConfig() };
    },
    apply(batch: ImageBatch, options: AugmentOptions): ImageBatch {
      checkBatch(batch, options);
      const random = new SeededRandom(options.seed);
      const count = batch.images.shape[0];
      const chosen: number[] = [];
      const skipped: number[] = [];
      for (let index = 0; index < count; index++) {
        (random.bernoulli(checked) ? chosen : skipped).push(index);
      }
      const innerOptions = { ...options, seed: childSeed(options.seed, 'op') };
      if (skipped.length === 0) return op.apply(batch, innerOptions);
      if (chosen.length === 0) {
        return withMetadata(batch, tf.clone(batch.images), tf.clone(batch.labels));
      }
      const chosenIndices = tf.tensor1d(chosen, 'int32');
      const subInput: ImageBatch = {
        images: takeImages(batch.images, chosen),
        labels: tf.gather(batch.labels, chosenIndices),
      };
      let sub: ImageBatch;
      try {
        sub = op.apply(subInput, innerOptions);
      } finally {
        tf.dispose([chosenIndices, subInput.images, subInput.labels]);
      }
      const output = sub;
      let result: { images: tf.Tensor4D; labels: tf.Tensor1D | tf.Tensor2D };
      try {
        result = tf.tidy(() => {
          const skippedIndices = tf.tensor1d(skipped, 'int32');
          const kept = takeImages(batch.images, skipped);
          if (sub.images.shape.slice(1).join() !== kept.shape.slice(1).join()) {
            throw new InvalidArgumentError({
              argument: 'randomApply.op',
              value: op.name,
              expected: `must keep the image size (${kept.shape.slice(1, 3).join('x')}), it gave ${sub.images.shape.slice(1, 3).join('x')}`,
            });
          }
          const inverse = new Array<number>(count);
          [...chosen, ...skipped].forEach((original, position) => {
            inverse[original] = position;
          });
          const order = tf.tensor1d(inverse, 'int32');
          const images = takeImages(tf.concat([sub.images, kept], 0), inverse);
          const keptLabels = tf.gather(batch.labels, skippedIndices);
          const soft = sub.labels.rank === 2 || batch.labels.rank === 2;
          const labels = soft
            ? tf.gather(
                tf.concat(
                  [
                    softLabels(sub.labels, options.numClasses),
                    softLabels(keptLabels, options.numClasses),
                  ],
                  0,
                ),
                order,
              )
            : tf.gather(tf.concat([sub.labels, keptLabels], 0), order);
          return { images, labels: labels as tf.Tensor1D | tf.Tensor2D };
        });
      } finally {
        tf.dispose([output.images, output.labels]);
      }
      return withMetadata(batch, result.images, result.labels);
    },
    toConfig() {
      return { name: 'randomApply', options: { probability: checked, op: op.toConfig() } };
    },
  };
}

export const randomApplyDescriptor: ImageOpDescriptor = {
  name: 'randomApply',
  description: 'apply an op to each image with a probability',
  create(options: JsonObject, context: ImageOpContext) {
    if (options.op === null || typeof options.op !== 'object' || Array.isArray(options.op)) {
      throw new InvalidArgumentError({
        argument: 'randomApply.op',
        value: options.op,
        expected: 'must be an op config { name, options }',
      });
    }
    return randomApply(options.probability as number, context.fromConfig(options.op));
  },
};
