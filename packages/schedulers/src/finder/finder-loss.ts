import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf } from '../validate.js';
import type { LearningRateFinderLoss } from './learning-rate-finder-options.js';

// Keeps log() finite at probabilities of exactly 0 or 1.
const epsilon = 1e-7;

/** The loss function the range test minimises: a built-in by name, or the caller's own. */
export function resolveLoss(
  loss: LearningRateFinderLoss,
): (targets: tf.Tensor, predictions: tf.Tensor) => tf.Scalar {
  if (typeof loss === 'function') return loss;
  checkOneOf('loss', loss, [
    'categoricalCrossentropy',
    'binaryCrossentropy',
    'meanSquaredError',
  ] as const);
  if (loss === 'meanSquaredError') {
    return (targets, predictions) =>
      tf.mean(tf.squaredDifference(predictions, targets)) as tf.Scalar;
  }
  if (loss === 'binaryCrossentropy') {
    return (targets, predictions) => {
      const clipped = tf.clipByValue(predictions, epsilon, 1 - epsilon);
      const positive = tf.mul(targets, tf.log(clipped));
      const negative = tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, clipped)));
      return tf.neg(tf.mean(tf.add(positive, negative))) as tf.Scalar;
    };
  }
  return (targets, predictions) => {
    const depth = predictions.shape[predictions.shape.length - 1] as number;
    const dense = targets.rank === 1 ? tf.oneHot(tf.cast(targets, 'int32'), depth) : targets;
    const clipped = tf.clipByValue(predictions, epsilon, 1 - epsilon);
    return tf.neg(tf.mean(tf.sum(tf.mul(dense, tf.log(clipped)), -1))) as tf.Scalar;
  };
}
