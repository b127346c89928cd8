import type { TrainLogs } from '@graft/core';
import {
  adam,
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
  const headOptimizer = adam({ learningRate: staged.headLearningRate });
  try {
    const result = await fineTune({
      ...shared,
      freezeEpochs: staged.freezeEpochs,
      headOptimizer,
    });
    const last = result.unfrozen ?? result.frozen;
    const headEpochs =
      result.frozen.history.length === 0 && options.resume
        ? (staged.earlierHistory ?? []).slice(0, staged.freezeEpochs)
        : [];
    return {
      ...last,
      history: [...headEpochs, ...result.history],
      trainingSeconds: result.frozen.trainingSeconds + (result.unfrozen?.trainingSeconds ?? 0),
      ...(result.frozen.extractionSeconds !== undefined
        ? { extractionSeconds: result.frozen.extractionSeconds }
        : {}),
    };
  } finally {
    headOptimizer.dispose();
  }
}

/** `--unfreeze-stages`: the trainer's `gradualUnfreeze`, results merged as for two stages. */
async function trainGradually(
  options: TrainOptions,
  staged: StagedUnfreezeOptions & { stages: readonly UnfreezeStage[] },
): Promise<TrainResult> {
  const { mode: _mode, initialEpoch: _initialEpoch, unfreezeFrom: _from, ...shared } = options;
  const headOptimizer = adam({ learningRate: staged.headLearningRate });
  try {
    const result = await gradualUnfreeze({
      ...shared,
      stages: staged.stages,
      headOptimizer,
    });
    const last = result.stages.at(-1) as TrainResult;
    // A resumed stage's checkpoint holds its own epochs only: earlier ones come from the run's log.
    const missing = last.epoch - result.history.length;
    const earlier = missing > 0 ? (staged.earlierHistory ?? []).slice(0, missing) : [];
    const extraction = result.stages.find((stage) => stage.extractionSeconds !== undefined);
    return {
      ...last,
      history: [...earlier, ...result.history],
      trainingSeconds: result.stages.reduce((sum, stage) => sum + stage.trainingSeconds, 0),
      ...(extraction?.extractionSeconds !== undefined
        ? { extractionSeconds: extraction.extractionSeconds }
        : {}),
    };
  } finally {
    headOptimizer.dispose();
  }
}
