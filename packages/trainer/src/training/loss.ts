import * as tf from '@tensorflow/tfjs-core';

const epsilon = 1e-7;

/**
 * Mean loss of predicted probabilities against `[N, C]` float targets: categorical
 * cross-entropy for a softmax head, binary cross-entropy for a sigmoid head. Probabilities are
 * clipped to [1e-7, 1 - 1e-7] (Keras's epsilon) so a saturated head gives a finite loss.
 * Runs in `tf.tidy`; the caller disposes the scalar.
 */
export function classificationLoss(options: {
  /** `[N, C]` head output. */
  probabilities: tf.Tensor;
  /** `[N, C]` targets (one-hot or soft). */
  targets: tf.Tensor;
  /** The head's activation. */
  activation: 'softmax' | 'sigmoid';
}): tf.Scalar {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(options.probabilities, epsilon, 1 - epsilon);
    if (options.activation === 'softmax') {
      return tf.neg(tf.mean(tf.sum(tf.mul(options.targets, tf.log(clipped)), -1))) as tf.Scalar;
    }
    const positive = tf.mul(options.targets, tf.log(clipped));
    const negative = tf.mul(tf.sub(1, options.targets), tf.log(tf.sub(1, clipped)));
    return tf.neg(tf.mean(tf.add(positive, negative))) as tf.Scalar;
  });
}

/**
 * `[N, C]` float targets from a batch's labels: int class indices become one-hot rows, `[N, C]`
 * labels are cast to float32. Runs in `tf.tidy`; the caller disposes.
 */
export function toTargets(labels: tf.Tensor, numClasses: number): tf.Tensor2D {
  return tf.tidy(() =>
    labels.rank === 1
      ? (tf.cast(
          tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, numClasses),
          'float32',
        ) as tf.Tensor2D)
      : (tf.cast(labels, 'float32') as tf.Tensor2D),
  );
}

/**
 * Number of correct rows, as a scalar tensor: a softmax row is correct when its arg-max
 * prediction equals the arg-max target; a sigmoid (multi-label) row when every label's
 * decision (probability >= 0.5) equals its target (exact match). Runs in `tf.tidy`.
 */
export function correctCount(
  probabilities: tf.Tensor,
  targets: tf.Tensor,
  activation: 'softmax' | 'sigmoid' = 'softmax',
): tf.Scalar {
  return tf.tidy(() => {
    if (activation === 'sigmoid') {
      const agree = tf.equal(tf.greaterEqual(probabilities, 0.5), tf.greaterEqual(targets, 0.5));
      return tf.sum(tf.cast(tf.all(agree, -1), 'float32')) as tf.Scalar;
    }
    return tf.sum(
      tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(targets, -1)), 'float32'),
    ) as tf.Scalar;
  });
}
