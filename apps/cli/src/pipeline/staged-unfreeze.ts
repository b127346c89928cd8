import { adam, fineTune, type TrainOptions, type TrainResult, train } from '@graft/trainer';

/** Options of {@link trainWithStages}. */
export interface StagedUnfreezeOptions {
  /** Head-only epochs on cached features before unfreezing; 0 trains `options` as given. */
  freezeEpochs: number;
  /** The head's learning rate in those epochs. */
  headLearningRate: number;
}

/**
 * `graft train --mode fine-tune --freeze-epochs n`: fastai-style staged unfreeze through the
 * trainer's `fineTune` (head on cached features for `freezeEpochs`, then `options.epochs` more
 * from `unfreezeFrom`, on the frozen-prefix cache when it applies). Otherwise, or when resuming
 * (a checkpoint of the unfrozen stage continues it), a single `train` call. The result merges
 * both stages: the last stage's state, both stages' history and seconds.
 */
export async function trainWithStages(
  options: TrainOptions,
  staged: StagedUnfreezeOptions,
): Promise<TrainResult> {
  if (options.mode !== 'fine-tune' || staged.freezeEpochs === 0) return train(options);
  if (options.resume) {
    return train({ ...options, epochs: staged.freezeEpochs + options.epochs });
  }
  const { mode: _mode, initialEpoch: _initialEpoch, resume: _resume, ...shared } = options;
  const headOptimizer = adam({ learningRate: staged.headLearningRate });
  try {
    const result = await fineTune({
      ...shared,
      freezeEpochs: staged.freezeEpochs,
      headOptimizer,
    });
    const last = result.unfrozen ?? result.frozen;
    return {
      ...last,
      history: result.history,
      trainingSeconds: result.frozen.trainingSeconds + (result.unfrozen?.trainingSeconds ?? 0),
      ...(result.frozen.extractionSeconds !== undefined
        ? { extractionSeconds: result.frozen.extractionSeconds }
        : {}),
    };
  } finally {
    headOptimizer.dispose();
  }
}
