// Test helpers (not exported from the package).

import type { ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** A seeded batch of integer-valued pixels in [0, 255] with labels `index % numClasses`. */
export function testBatch(
  options: {
    count?: number;
    height?: number;
    width?: number;
    seed?: number;
    numClasses?: number;
  } = {},
): ImageBatch {
  const count = options.count ?? 6;
  const numClasses = options.numClasses ?? 3;
  const images = tf.tidy(() =>
    tf.round(
      tf.randomUniform(
        [count, options.height ?? 20, options.width ?? 28, 3],
        0,
        255,
        'float32',
        options.seed ?? 1,
      ),
    ),
  ) as tf.Tensor4D;
  const labels = tf.tensor1d(
    Array.from({ length: count }, (_, index) => index % numClasses),
    'int32',
  );
  return { images, labels };
}

/** Largest absolute difference between two tensors of the same shape. */
export function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] ?? Number.NaN);
}
