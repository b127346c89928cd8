import * as tf from '@tensorflow/tfjs-core';
import { knownFields, numberIn, probability } from '../../validate.js';
import { defineImageOp } from '../define-image-op.js';
import { sampleBeta } from '../functional/beta.js';
import { mixImages } from '../functional/color.js';
import { softLabels } from '../functional/labels.js';
import { type Box, boxMask } from '../functional/masks.js';
import type { ImageOp, ImageOpDescriptor } from '../image-op.js';
import { permutationMatrix } from './mixup.js';

/** Options of {@link cutmix}. */
export interface CutmixOptions {
  /** Beta(alpha, alpha) concentration of the kept area. Default 1. */
  alpha?: number;
  /** Chance per image of receiving a patch. Default 1. */
  probability?: number;
}

const name = 'cutmix';

/**
 * Pastes a box from another image of the batch (a seeded permutation) into each image; labels
 * become `[N, numClasses]` soft targets weighted by the actual pasted area (Yun et al. 2019).
 */
export function cutmix(options: CutmixOptions = {}): ImageOp {
  knownFields(name, options as never, ['alpha', 'probability']);
  const alpha = numberIn(`${name}.alpha`, options.alpha ?? 1, Number.MIN_VALUE, 1e6);
  const chance = probability(`${name}.probability`, options.probability ?? 1);
  return defineImageOp({
    name,
    options: { alpha, probability: chance },
    run({ images, labels, random, numClasses }) {
      const [count, height, width] = images.shape;
      const partners = random.permutation(count);
      const boxes = Array.from({ length: count }, (): Box => {
        const apply = random.bernoulli(chance);
        const lambda = sampleBeta(random, alpha);
        const cutRatio = Math.sqrt(1 - lambda);
        const boxHeight = Math.round(height * cutRatio);
        const boxWidth = Math.round(width * cutRatio);
        // Box centre anywhere, clipped to the image (as the reference implementation).
        const centerY = random.int(0, height - 1);
        const centerX = random.int(0, width - 1);
        if (!apply) return { top: 0, left: 0, bottom: 0, right: 0 };
        return {
          top: Math.max(0, centerY - Math.floor(boxHeight / 2)),
          bottom: Math.min(height, centerY + Math.ceil(boxHeight / 2)),
          left: Math.max(0, centerX - Math.floor(boxWidth / 2)),
          right: Math.min(width, centerX + Math.ceil(boxWidth / 2)),
        };
      });
      // Label weight of the image itself = the area it keeps.
      const kept = boxes.map(
        (box) => 1 - ((box.bottom - box.top) * (box.right - box.left)) / (height * width),
      );
      const order = tf.tensor1d(partners, 'int32');
      const mask = boxMask(boxes, height, width);
      const mixedImages = tf.add(
        images,
        tf.mul(mask, tf.sub(mixImages(images, permutationMatrix(partners)), images)),
      ) as tf.Tensor4D;
      const targets = softLabels(labels, numClasses);
      const labelWeight = tf.tensor2d(kept, [count, 1]);
      const mixedLabels = tf.add(
        tf.mul(targets, labelWeight),
        tf.mul(tf.gather(targets, order), tf.sub(1, labelWeight)),
      ) as tf.Tensor2D;
      return { images: mixedImages, labels: mixedLabels };
    },
  });
}

export const cutmixDescriptor: ImageOpDescriptor = {
  name,
  description: 'paste a box from another image; labels weighted by area (soft targets)',
  create: (options) => cutmix(options as CutmixOptions),
};
