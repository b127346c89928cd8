import type { TrainLogs } from '@graft/core';
import {
  adam,
  createOptimizer,
  fineTune,
  gradualUnfreeze,
  type TrainOptions,
  type TrainResult,
  train,
  type UnfreezeStage,
} from '@graft/trainer';

/** Options of {@link trainWithStages}. */
export interface StagedUnfreezeOptions {
  /** Head-only epochs on cached features before unfreezing; 0 trains `options` as given. */
  freezeEpochs: number;
  /** The head's learning rate in those epochs (and before the first of {@link stages}). */
  headLearningRate: number;
  /** Gradual unfreeze (`--unfreeze-stages`): the trainer's `gradualUnfreeze` instead. */
  stages?: readonly UnfreezeStage[];
  /**
   * When resuming: the run's logs of the epochs its checkpoint holds (the history file). A
   * checkpoint of the unfrozen stage holds that stage's epochs only, so the head epochs' logs
   * come from here.
   */
  earlierHistory?: readonly TrainLogs[];
}

/**
 * `graft train --mode fine-tune --freeze-epochs n`: fastai-style staged unfreeze through the
 * trainer's `fineTune` (head on cached features for `freezeEpochs`, then `options.epochs` more
 * from `unfreezeFrom`, on the frozen-prefix cache when it applies; a resumed run continues the
 * stage its checkpoint was written in). Otherwise a single `train` call. The result merges both
 * stages: the last stage's state, both stages' history and seconds.
 */
export async function trainWithStages(
  options: TrainOptions,
  staged: StagedUnfreezeOptions,
): Promise<TrainResult> {
  if (options.mode === 'fine-tune' && staged.stages !== undefined) {
    return trainGradually(options, { ...staged, stages: staged.stages });
  }
  if (options.mode !== 'fine-tune' || staged.freezeEpochs === 0) return train(options);
  const { mode: _mode, initialEpoch: _initialEpoch, ...shared } = options;
  const headOptimizer = headOptimizerFor(options, staged);
  try {
    const result = await fineTune({
      ...shared,
      freezeEpochs: staged.freezeEpochs,
      headOptimizer,
    });
    return mergeStages(
      result.unfrozen ? [result.frozen, result.unfrozen] : [result.frozen],
      staged.earlierHistory,
    );
  } finally {
    headOptimizer.dispose();
  }
}

/** `--unfreeze-stages`: the trainer's `gradualUnfreeze`, its stages merged like `fineTune`'s. */
async function trainGradually(
  options: TrainOptions,
  staged: StagedUnfreezeOptions & { stages: readonly UnfreezeStage[] },
): Promise<TrainResult> {
  const { mode: _mode, initialEpoch: _initialEpoch, unfreezeFrom: _from, ...shared } = options;
  const headOptimizer = headOptimizerFor(options, staged);
  try {
    const result = await gradualUnfreeze({
      ...shared,
      stages: staged.stages,
      headOptimizer,
    });
    return mergeStages(result.stages, staged.earlierHistory);
  } finally {
    headOptimizer.dispose();
  }
}

/**
 * One result for the stages that ran: the last one's state, every stage's history and seconds.
 * A resumed stage's checkpoint holds its own epochs only, so the epochs before it come from the
 * run's log (`earlierHistory`).
 */
function mergeStages(
  stages: readonly TrainResult[],
  earlierHistory: readonly TrainLogs[] = [],
): TrainResult {
  const last = stages.at(-1) as TrainResult;
  const history = stages.flatMap((stage) => stage.history);
  const missing = last.epoch - history.length;
  const extraction = stages.find((stage) => stage.extractionSeconds !== undefined);
  return {
    ...last,
    history: [...(missing > 0 ? earlierHistory.slice(0, missing) : []), ...history],
    trainingSeconds: stages.reduce((sum, stage) => sum + stage.trainingSeconds, 0),
    ...(extraction?.extractionSeconds !== undefined
      ? { extractionSeconds: extraction.extractionSeconds }
      : {}),
    // The frozen stage's counters (features from the cache or computed), not the last stage's.
    ...(extraction?.extraction ? { extraction: extraction.extraction } : {}),
    ...(extraction?.teacher ? { teacher: extraction.teacher } : {}),
  };
}

/**
 * The head-only epochs' optimiser: the run's kind and options (`--optimizer`) at `--head-lr`,
 * Adam when the run names none. The caller disposes it.
 */
function headOptimizerFor(options: TrainOptions, staged: StagedUnfreezeOptions) {
  if (options.optimizer === undefined) return adam({ learningRate: staged.headLearningRate });
  const config = options.optimizer.getConfig();
  return createOptimizer({
    ...config,
    name: String(config.name),
    learningRate: staged.headLearningRate,
  });
}
