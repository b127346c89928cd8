import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureTable } from '../features/extract-features.js';
import { TargetRowSampler, termSeed } from './coral-targets.js';
import { disposeStepData } from './dispose-step-data.js';
import { featureStepData, gatherRows } from './feature-step-data.js';
import type { FeatureLossData } from './prepare-loss-terms.js';
import type { TrainingRun } from './training-run.js';
import { type EpochTotals, runTrainingStep } from './training-step.js';

/** One feature-extraction epoch: the head trains on cached feature rows in the epoch's order. */
export async function runFeatureEpoch(
  run: TrainingRun,
  totals: EpochTotals,
  epoch: {
    /** This epoch's pass of cached training features. */
    table: FeatureTable;
    /** Teacher logits and CORAL target features, when there are extra loss terms. */
    lossData: FeatureLossData | undefined;
    /** The epoch index (the teacher table is `epoch mod passes`). */
    index: number;
    /** The epoch's draw, from which the row order and samplers follow. */
    seed: number;
  },
): Promise<void> {
  const { options, control, batchSize } = run;
  const { table, lossData } = epoch;
  const head = options.head;
  const coralSamplers = (lossData?.coralTables ?? []).map(
    (coralTable, index) => new TargetRowSampler(coralTable.count, termSeed(epoch.seed, index)),
  );
  const order = new SeededRandom(epoch.seed).permutation(table.count);
  if (options.shuffle === false) order.sort((a, b) => a - b);
  for (let start = 0; start < table.count && !control.stopRequested; start += batchSize) {
    run.throwIfAborted();
    const rows = order.slice(start, start + batchSize);
    const [inputs, targets] = gatherRows(table, rows);
    const headForward = (x: tf.Tensor) => head.model.apply(x, { training: true }) as tf.Tensor;
    const stepData = lossData
      ? featureStepData(lossData, epoch.index, rows, coralSamplers)
      : undefined;
    try {
      await runTrainingStep(
        run,
        totals,
        inputs,
        targets,
        headForward,
        stepData
          ? {
              data: stepData,
              forwardTarget: (x) => ({ probabilities: headForward(x) }),
              sourceFeatures: () => undefined,
            }
          : undefined,
      );
    } finally {
      tf.dispose([inputs, targets]);
      if (stepData) disposeStepData(stepData);
    }
  }
}
