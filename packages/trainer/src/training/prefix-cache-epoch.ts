import * as tf from '@tensorflow/tfjs-core';
import type { FrozenPrefixCache } from './frozen-prefix-cache.js';
import type { TrainingRun } from './training-run.js';
import { type EpochTotals, runTrainingStep } from './training-step.js';

/** One fine-tuning epoch behind a frozen prefix: the suffix trains on cached activations. */
export async function runPrefixCacheEpoch(
  run: TrainingRun,
  totals: EpochTotals,
  epoch: {
    /** The cache of the frozen layers' activations. */
    cache: FrozenPrefixCache;
    /** The epoch index (picks the augmented view). */
    index: number;
    /** The epoch's draw, from which the row order follows. */
    seed: number;
  },
): Promise<void> {
  const { cache } = epoch;
  const cached = cache.batches({
    epoch: epoch.index,
    epochSeed: epoch.seed,
    batchSize: run.batchSize,
    shuffle: run.options.shuffle ?? true,
  });
  for (const { inputs, targets } of cached) {
    try {
      run.throwIfAborted();
      await runTrainingStep(run, totals, inputs, targets, cache.forward);
    } finally {
      tf.dispose([inputs, targets]);
    }
    if (run.control.stopRequested) break;
  }
}
