import * as tf from '@tensorflow/tfjs-core';
import { knownFields, numberIn, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { sampleBeta } from '../functional/beta.js';
import { scalePerSample } from '../functional/color.js';
import { softLabels } from '../functional/labels.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** Beta(alpha, alpha) concentration of the mixing weight. Default 0.2. */
  alpha?: number;
  /** Chance per image of being mixed. Default 1. */
  probability?: number;
}

const name = 'mixup';

/**
 * Mixes each image with another of the batch (a seeded permutation) by a weight
 * `λ ~ Beta(alpha, alpha)` per image, and the labels the same way: returns `[N, numClasses]`
 * soft targets (Zhang et al. 2018).
 */
export function mixup(options: MixupOptions = {}): ImageOp {
  knownFields(name, options as never, ['alpha', 'probability']);
  const alpha = numberIn(`${name}.alpha`, options.alpha ?? 0.2, Number.MIN_VALUE, 1e6);
  const chance = probability(`${name}.probability`, options.probability ?? 1);
  return defineImageOp({
    name,
    options: { alpha, probability: chance },
    run({ images, labels, random, numClasses }) {
      const count = images.shape[0];
      const partners = random.permutation(count);
      const weights = Array.from({ length: count }, () => {
        const mix = random.bernoulli(chance);
        const lambda = sampleBeta(random, alpha);
        return mix ? lambda : 1;
      });
      const targets = softLabels(labels, numClasses);
      const order = tf.tensor1d(partners, 'int32');
      const partnerImages = tf.gather(images, order);
      const mixedImages = tf.add(
        partnerImages,
        scalePerSample(tf.sub(images, partnerImages), weights),
      ) as tf.Tensor4D;
      const labelWeight = tf.tensor2d(weights, [count, 1]);
      const mixedLabels = tf.add(
        tf.mul(targets, labelWeight),
        tf.mul(tf.gather(targets, order), tf.sub(1, labelWeight)),
      ) as tf.Tensor2D;
      return { images: mixedImages, labels: mixedLabels };
    },
  });
}

export const mixupDescriptor: ImageOpDescriptor = {
  name,
  description: 'blend image pairs and their labels (soft targets)',
  create: (options) => mixup(options as MixupOptions),
};
