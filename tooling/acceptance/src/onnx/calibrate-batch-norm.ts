import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Test helper: gives a randomly initialised network realistic BatchNorm statistics, so its
 * outputs are O(1) instead of vanishing or exploding (which would make an agreement test unable
 * to fail). One training-mode pass on `input` records every BatchNorm's batch mean and variance;
 * they become its moving statistics (the variance floored at a tenth of the layer's mean
 * variance), with random γ ∈ [0.5, 1.5] and β ∈ [−0.5, 0.5] (seeded).
 */
export function calibrateBatchNorm(model: tfl.LayersModel, input: tf.Tensor, seed: number): number {
  const random = new SeededRandom(seed);
  const layers = model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization');
  if (layers.length === 0) return 0;
  // With γ, β set first, one training-mode pass gives the same activations inference mode will
  // once the moving statistics equal the batch statistics.
  for (const layer of layers) {
    const channels = layer.weights[0]?.shape[0] as number;
    const uniform = (low: number, high: number) =>
      tf.tensor1d(Array.from({ length: channels }, () => low + (high - low) * random.next()));
    const [gamma, beta, mean, variance] = [
      uniform(0.5, 1.5),
      uniform(-0.5, 0.5),
      uniform(0, 0),
      uniform(1, 1),
    ];
    layer.setWeights([gamma, beta, mean, variance]);
    tf.dispose([gamma, beta, mean, variance]);
  }
  // Graft's backbones run frozen BatchNorm in inference mode whatever the flag: unfreeze for the pass.
  const trainable = layers.map((layer) => layer.trainable);
  for (const layer of layers) layer.trainable = true;
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: layers.map((layer) => layer.input as tfl.SymbolicTensor),
  });
  try {
    tf.tidy(() => {
      const inputs = probe.apply(input, { training: true }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(inputs) ? inputs : [inputs];
      list.forEach((tensor, index) => {
        const layer = layers[index] as tfl.layers.Layer;
        const axes = Array.from({ length: tensor.rank - 1 }, (_, axis) => axis);
        const { mean, variance } = tf.moments(tensor, axes);
        // A near-constant channel would get a gain of γ/√ε ≈ 30 and amplify float32 rounding
        // through the depth (trained networks do not look like that): floor its variance.
        const floored = tf.add(variance, tf.mul(tf.mean(variance), 0.1));
        const [gamma, beta] = layer.getWeights();
        layer.setWeights([gamma as tf.Tensor, beta as tf.Tensor, mean, floored]);
      });
    });
  } finally {
    layers.forEach((layer, index) => {
      layer.trainable = trainable[index] as boolean;
    });
  }
  return layers.length;
}
