import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** `[N, C]` float targets: one-hot of `[N]` class indices, or the `[N, C]` input as float. */
export function softLabels(labels: tf.Tensor1D | tf.Tensor2D, numClasses: number): tf.Tensor2D {
  if (labels.rank === 2) {
    if (labels.shape[1] !== numClasses) {
      throw new InvalidArgumentError({
        argument: 'numClasses',
        value: numClasses,
        expected: `must match the label width ${labels.shape[1]} of [N, C] labels`,
      });
    }
    return tf.cast(labels, 'float32') as tf.Tensor2D;
  }
  return tf.oneHot(
    tf.cast(labels, 'int32') as tf.Tensor1D,
    numClasses,
    1,
    0,
    'float32',
  ) as tf.Tensor2D;
}
