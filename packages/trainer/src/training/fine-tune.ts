import type { Schedule, TrainLogs } from '@graft/core';
import { adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { type TrainOptions, type TrainResult, train } from './train.js';

/** Options of {@link fineTune}: {@link TrainOptions} without `mode`, plus the two stages. */
export interface FineTuneOptions
  extends Omit<TrainOptions, 'mode' | 'epochs' | 'initialEpoch' | 'resume'> {
  /** Stage 1: epochs training the head on the frozen backbone. Default 1. */
  freezeEpochs?: number;
  /**
   * Stage 1 mode: `feature-extraction` (cached features, fast; augmentation through
   * `augmentedPasses`) or `fine-tune` with nothing unfrozen (pixels every epoch). Default
   * `feature-extraction`.
   */
  freezeMode?: 'feature-extraction' | 'frozen-pixels';
  /** Stage 1 optimiser. Default `adam({ learningRate: 1e-3 })`. */
  headOptimizer?: Optimizer;
  /** Stage 1 schedule (steps counted from 0). */
  headSchedule?: Schedule;
  /** Stage 2: epochs after unfreezing (from `unfreezeFrom`). */
  epochs: number;
  /** Stage 2 optimiser. Default `adam({ learningRate: 1e-4 })`. */
  optimizer?: Optimizer;
}

/** What {@link fineTune} returns. */
export interface FineTuneResult {
  /** Stage 1 (frozen backbone). */
  frozen: TrainResult;
  /** Stage 2 (unfrozen), absent when stage 1 was stopped by a callback. */
  unfrozen?: TrainResult;
  /** Both stages' epoch logs, in order. */
  history: TrainLogs[];
}

/**
 * fastai's `fine_tune` in one call: train the head for `freezeEpochs` on the frozen backbone,
 * then unfreeze (from `unfreezeFrom`) and train backbone and head for `epochs` more with
 * `optimizer`, `schedule` and `discriminative` learning rates. Epoch numbers run on across the
 * stages (stage 2 starts at `freezeEpochs`); each stage counts its optimiser steps from 0, so a
 * schedule covers its own stage.
 */
export async function fineTune(options: FineTuneOptions): Promise<FineTuneResult> {
  const freezeEpochs = options.freezeEpochs ?? 1;
  const headOptimizer = options.headOptimizer ?? adam({ learningRate: 1e-3 });
  const {
    freezeMode,
    headSchedule,
    schedule,
    optimizer,
    freezeEpochs: _freezeEpochs,
    headOptimizer: _headOptimizer,
    ...shared
  } = options;
  let frozen: TrainResult = {
    history: [],
    epoch: 0,
    step: 0,
    trainingSeconds: 0,
    peakTensorBytes: 0,
  };
  if (freezeEpochs > 0) {
    const stageOne: TrainOptions =
      (freezeMode ?? 'feature-extraction') === 'feature-extraction'
        ? { ...shared, mode: 'feature-extraction', epochs: freezeEpochs, optimizer: headOptimizer }
        : {
            ...shared,
            mode: 'fine-tune',
            keepBackboneFrozen: true,
            epochs: freezeEpochs,
            optimizer: headOptimizer,
          };
    frozen = await train({ ...stageOne, ...(headSchedule ? { schedule: headSchedule } : {}) });
    if (options.headOptimizer === undefined) headOptimizer.dispose();
    if (frozen.stopReason !== undefined) return { frozen, history: [...frozen.history] };
  }
  const stageTwoOptimizer = optimizer ?? adam({ learningRate: 1e-4 });
  try {
    const unfrozen = await train({
      ...shared,
      mode: 'fine-tune',
      initialEpoch: freezeEpochs,
      epochs: freezeEpochs + options.epochs,
      optimizer: stageTwoOptimizer,
      ...(schedule ? { schedule } : {}),
    });
    return { frozen, unfrozen, history: [...frozen.history, ...unfrozen.history] };
  } finally {
    if (optimizer === undefined) stageTwoOptimizer.dispose();
  }
}
