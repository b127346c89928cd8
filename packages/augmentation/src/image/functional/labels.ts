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
  // oneHot in int32, then cast: the tfjs 4.22 wasm OneHot kernel writes int32 bits into a
  // tensor labelled float32 when asked for a float dtype.
  const indices = tf.cast(labels, 'int32') as tf.Tensor1D;
  return tf.cast(tf.oneHot(indices, numClasses), 'float32') as tf.Tensor2D;
}
