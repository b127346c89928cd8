import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Test fixture: three interleaved noisy spiral arms in 2-D (not linearly separable), as
 * `[count, 2]` inputs and `[count, 3]` one-hot targets. The caller disposes them.
 */
export function spirals(options: { count: number; seed: number }): {
  xs: tf.Tensor2D;
  ys: tf.Tensor2D;
} {
  const random = new SeededRandom(options.seed);
  const points: number[] = [];
  const labels: number[] = [];
  for (let index = 0; index < options.count; index++) {
    const label = index % 3;
    const radius = random.next();
    const angle = (label * 2 * Math.PI) / 3 + radius * 1.5 * Math.PI + random.normal(0, 0.15);
    points.push(2 * radius * Math.cos(angle), 2 * radius * Math.sin(angle));
    labels.push(label);
  }
  return tf.tidy(() => ({
    xs: tf.tensor2d(points, [options.count, 2]),
    ys: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D,
  }));
}

/** Test fixture: a seeded 2-layer MLP, 2 → Dense(64, relu) → Dense(3, softmax). */
export function twoLayerMlp(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [2] });
  const hidden = tfl.layers
    .dense({
      units: 64,
      activation: 'relu',
      kernelInitializer: tfl.initializers.heNormal({ seed }),
    })
    .apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
    })
    .apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/** Slices `[xs, ys]` into batches (new tensors the consumer disposes). */
export function sliceBatches(
  xs: tf.Tensor,
  ys: tf.Tensor,
  batchSize: number,
): Array<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const count = xs.shape[0] as number;
  const batches: Array<{ xs: tf.Tensor; ys: tf.Tensor }> = [];
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    batches.push({ xs: tf.slice(xs, start, size), ys: tf.slice(ys, start, size) });
  }
  return batches;
}
