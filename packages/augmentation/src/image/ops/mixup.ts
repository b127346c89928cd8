import * as tf from '@tensorflow/tfjs-core';
import { knownFields, numberIn, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { sampleBeta } from '../functional/beta.js';
import { mixImages } from '../functional/color.js';
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
      // Row n of the mixing matrix: weight λ on image n, 1 - λ on its partner.
      const mixing = partners.map((partner, index) =>
        Array.from(
          { length: count },
          (_, column) =>
            (column === index ? (weights[index] ?? 1) : 0) +
            (column === partner ? 1 - (weights[index] ?? 1) : 0),
        ),
      );
      const mixedImages = mixImages(images, mixing);
      const mixedLabels = tf.matMul(
        tf.tensor2d(mixing.flat(), [count, count]),
        softLabels(labels, numClasses),
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

/** `[N][N]` 0/1 matrix whose row n picks image `partners[n]`. */
export function permutationMatrix(partners: readonly number[]): number[][] {
  return partners.map((partner) =>
    Array.from({ length: partners.length }, (_, column) => (column === partner ? 1 : 0)),
  );
}
