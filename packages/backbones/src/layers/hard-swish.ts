import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * PyTorch's `nn.Hardswish`: `x · relu6(x + 3) / 6` (MobileNetV3). tfjs-layers has no such
 * activation (its `hardSigmoid` is Keras's `0.2x + 0.5`, a different curve), hence a layer.
 * Registered with `tf.serialization` as `GraftHardSwish` so saved models load and
 * `foldBatchNorm` can copy it.
 */
export class HardSwish extends tfl.layers.Layer {
  static className = 'GraftHardSwish';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    });
  }
}
tf.serialization.registerClass(HardSwish);

/** A {@link HardSwish} layer. */
export function hardSwish(options: { name: string }): HardSwish {
  return new HardSwish(options);
}
