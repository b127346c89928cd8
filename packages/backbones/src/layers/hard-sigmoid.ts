import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * PyTorch's `nn.Hardsigmoid`: `relu6(x + 3) / 6`, the gate of MobileNetV3's squeeze-excitation.
 * Not tfjs-layers' `hardSigmoid` activation, which is Keras's `clip(0.2x + 0.5, 0, 1)`.
 * Registered with `tf.serialization` as `GraftHardSigmoid`.
 */
export class HardSigmoid extends tfl.layers.Layer {
  static className = 'GraftHardSigmoid';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      return tf.div(tf.relu6(tf.add(x, 3)), 6);
    });
  }
}
tf.serialization.registerClass(HardSigmoid);

/** A {@link HardSigmoid} layer. */
export function hardSigmoid(options: { name: string }): HardSigmoid {
  return new HardSigmoid(options);
}
