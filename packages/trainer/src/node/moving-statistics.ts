import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GradientRequest } from '../training/gradient-computer.js';
import { preorderLayers } from './preorder-layers.js';

/** A BatchNormalization moving statistic: how to combine the workers' updates exactly. */
export interface MovingStatistic {
  /** Index in the canonical weights. */
  index: number;
  /** The layer's momentum μ. */
  momentum: number;
}

/** Moving mean and variance of every BatchNormalization layer of the backbone and head. */
export function movingStatistics(
  request: GradientRequest,
  weights: readonly tfl.LayerVariable[],
): MovingStatistic[] {
  const statistics: MovingStatistic[] = [];
  for (const layer of [
    ...preorderLayers(request.backbone.model),
    ...preorderLayers(request.head.model),
  ]) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const momentum = Number(layer.getConfig().momentum ?? 0.99);
    for (const weight of layer.weights) {
      if (!/moving_(mean|variance)/.test(weight.name)) continue;
      const index = weights.indexOf(weight);
      if (index >= 0 && !statistics.some((known) => known.index === index)) {
        statistics.push({ index, momentum });
      }
    }
  }
  return statistics;
}

/** Options of {@link writeCombinedStatistics}. */
export interface CombineStatisticsOptions {
  /** The moving statistics, in the order of each worker's `states`. */
  statistics: readonly MovingStatistic[];
  /** The canonical weights the statistics index into; the combined values are written there. */
  weights: readonly tfl.LayerVariable[];
  /** Every canonical weight's value before the step (what each worker started from). */
  initialValues: readonly Float32Array[];
  /** Per worker, in row order: its micro-batches and its statistics after them. */
  workers: ReadonlyArray<{ microBatches: number; states: readonly Float32Array[] }>;
}

/**
 * Writes the BatchNorm moving statistics as the sequential update leaves them: the update
 * `m ← μ·m + (1−μ)·x` is linear, so with worker `i` running `kᵢ` micro-batches from `m₀` to
 * `mᵢ`, folding `m ← mᵢ + μ^kᵢ·(m − m₀)` over the workers in order is exact.
 */
export function writeCombinedStatistics(options: CombineStatisticsOptions): void {
  const { statistics, weights, initialValues, workers } = options;
  statistics.forEach(({ index: weightIndex, momentum }, statisticIndex) => {
    const initial = initialValues[weightIndex] as Float32Array;
    const combined = Float32Array.from(initial);
    for (const worker of workers) {
      const after = worker.states[statisticIndex] as Float32Array;
      const factor = momentum ** worker.microBatches;
      for (let index = 0; index < combined.length; index++) {
        combined[index] =
          (after[index] as number) +
          factor * ((combined[index] as number) - (initial[index] as number));
      }
    }
    const weight = weights[weightIndex] as tfl.LayerVariable;
    const tensor = tf.tensor(combined, weight.shape as number[]);
    weight.write(tensor);
    tensor.dispose();
  });
}
