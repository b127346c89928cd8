import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link StochasticDepth}. */
export interface StochasticDepthOptions {
  /** Layer name. */
  name: string;
  /** Probability of dropping the residual branch of one sample, in [0, 1). */
  rate: number;
}

/**
 * torchvision's `StochasticDepth(p, mode="row")` (EfficientNet): in training, each sample's
 * residual branch is zeroed with probability `rate` and the survivors scaled by `1 / (1 − rate)`;
 * in inference it is the identity. Frozen (feature extraction) and inference calls therefore cost
 * nothing. The mask comes from `tf.randomUniform` without a seed: like PyTorch, fine-tuning with it
 * is not bit-reproducible. Registered with `tf.serialization` as `GraftStochasticDepth`.
 */
export class StochasticDepth extends tfl.layers.Layer {
  static className = 'GraftStochasticDepth';
  readonly rate: number;

  constructor(options: StochasticDepthOptions) {
    super(options);
    if (!(options.rate >= 0 && options.rate < 1)) {
      throw new InvalidArgumentError({
        argument: 'rate',
        value: options.rate,
        expected: 'must be a number in [0, 1)',
      });
    }
    this.rate = options.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const shape = [x.shape[0] as number, ...x.shape.slice(1).map(() => 1)];
      // floor(keep + U[0,1)) is 1 with probability `keep`, else 0.
      const mask = tf.floor(tf.add(tf.randomUniform(shape), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
tf.serialization.registerClass(StochasticDepth);
