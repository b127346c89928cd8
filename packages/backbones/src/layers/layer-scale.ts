import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * ConvNeXt's layer scale: multiplies the last (channel) axis by a learned vector `gamma`
 * (torchvision's `layer_scale` parameter, `[C, 1, 1]` in NCHW, `[C]` here). Registered with
 * `tf.serialization` as `GraftLayerScale`.
 */
export class LayerScale extends tfl.layers.Layer {
  static className = 'GraftLayerScale';
  private gamma: tfl.LayerVariable | undefined;

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    this.gamma = this.addWeight(
      'gamma',
      [shape[shape.length - 1] as number],
      'float32',
      tfl.initializers.ones(),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      return tf.mul(x, (this.gamma as tfl.LayerVariable).read());
    });
  }
}
tf.serialization.registerClass(LayerScale);
