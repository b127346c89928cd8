import * as tf from '@tensorflow/tfjs-core';
import type { AdaptedBatchNormLayer } from './adapt-batch-norm-options.js';
import type { BatchNormLayer } from './batch-norm-layers.js';
import type { RunningMoments } from './running-moments.js';

/** Per-channel mean and population variance of `input` (reduced over every other axis). */
export function channelMoments(
  input: tf.Tensor,
  axis: number,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const channelAxis = axis < 0 ? axis + input.rank : axis;
    const axes = [...Array(input.rank).keys()].filter((item) => item !== channelAxis);
    const { mean, variance } = tf.moments(tf.cast(input, 'float32'), axes);
    return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  });
}

/** BatchNorm's output with the given (`batch`) or the moving statistics. */
export function normalize(
  input: tf.Tensor,
  layer: BatchNormLayer,
  mode: 'batch' | 'moving',
  batchMean?: tf.Tensor1D,
  batchVariance?: tf.Tensor1D,
): tf.Tensor {
  return tf.tidy(() => {
    const channelAxis = layer.axis < 0 ? layer.axis + input.rank : layer.axis;
    const mean = mode === 'batch' ? (batchMean as tf.Tensor1D) : layer.movingMean.read();
    const variance =
      mode === 'batch' ? (batchVariance as tf.Tensor1D) : layer.movingVariance.read();
    const gamma = layer.gamma?.read();
    const beta = layer.beta?.read();
    if (channelAxis === input.rank - 1) {
      return tf.batchNorm(input, mean, variance, beta, gamma, layer.epsilon);
    }
    const shape = input.shape.map((size, axis) => (axis === channelAxis ? size : 1));
    const broadcast = (value: tf.Tensor) => tf.reshape(value, shape);
    let output = tf.mul(
      tf.sub(input, broadcast(mean)),
      tf.rsqrt(tf.add(broadcast(variance), layer.epsilon)),
    );
    if (gamma) output = tf.mul(output, broadcast(gamma));
    if (beta) output = tf.add(output, broadcast(beta));
    return output;
  });
}

/** A BatchNorm layer's moving statistics, read out of its variables. */
export interface LayerStatistics {
  mean: Float32Array;
  variance: Float32Array;
}

/** The moving statistics of every layer, in order. */
export async function readStatistics(
  layers: readonly BatchNormLayer[],
): Promise<LayerStatistics[]> {
  return Promise.all(
    layers.map(async (layer) => ({
      mean: (await layer.movingMean.read().data()) as Float32Array,
      variance: (await layer.movingVariance.read().data()) as Float32Array,
    })),
  );
}

/** Replaces a layer's moving statistics by the measured ones. */
export function writeStatistics(layer: BatchNormLayer, moments: RunningMoments): void {
  restoreStatistics(layer, {
    mean: Float32Array.from(moments.mean),
    variance: Float32Array.from(moments.variance()),
  });
}

/** Writes statistics read earlier back into a layer. */
export function restoreStatistics(layer: BatchNormLayer, statistics: LayerStatistics): void {
  tf.tidy(() => {
    layer.movingMean.write(tf.tensor1d(statistics.mean, 'float32'));
    layer.movingVariance.write(tf.tensor1d(statistics.variance, 'float32'));
  });
}

/** How much a layer's statistics moved, for the report. */
export function describeChange(
  layer: BatchNormLayer,
  before: LayerStatistics,
  after: LayerStatistics,
): AdaptedBatchNormLayer {
  const channels = before.mean.length;
  let squared = 0;
  let standardized = 0;
  let logRatio = 0;
  for (let channel = 0; channel < channels; channel++) {
    const shift = (after.mean[channel] ?? 0) - (before.mean[channel] ?? 0);
    const oldVariance = (before.variance[channel] ?? 0) + layer.epsilon;
    const newVariance = (after.variance[channel] ?? 0) + layer.epsilon;
    squared += shift * shift;
    standardized += (shift * shift) / oldVariance;
    logRatio += Math.log(newVariance / oldVariance);
  }
  return {
    path: layer.path,
    channels,
    meanShift: Math.sqrt(squared),
    standardizedMeanShift: Math.sqrt(standardized / Math.max(1, channels)),
    varianceRatio: Math.exp(logRatio / Math.max(1, channels)),
  };
}
