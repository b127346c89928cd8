import { InvalidArgumentError, type Schedule, type TrainLogs } from '@graft/core';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import {
  defaultFrozenPrefixCacheBytes,
  type FrozenPrefixCache,
  isFrozenPrefixCache,
  prepareFrozenPrefixCache,
} from './frozen-prefix-cache.js';
import { type TrainOptions, type TrainResult, train } from './train.js';

/** Options of {@link fineTune}: {@link TrainOptions} without `mode`, plus the two stages. */
export interface FineTuneOptions
  extends Omit<TrainOptions, 'mode' | 'epochs' | 'initialEpoch' | 'resume'> {
  /**
   * A checkpoint written during either stage of a `fineTune` with the same `freezeEpochs`: one
   * taken at or before epoch `freezeEpochs` resumes stage 1 (head optimiser state, frozen
   * backbone) and then runs stage 2; a later one skips stage 1 and resumes stage 2. After a
   * stage-2 resume `frozen.history` is empty (the checkpoint holds stage 2's epochs only).
   */
  resume?: TrainingCheckpoint;
  /** Stage 1: epochs training the head on the frozen backbone. Default 1. */
  freezeEpochs?: number;
  /**
   * Stage 1 mode: `feature-extraction` (cached features, fast; augmentation through
   * `augmentedPasses`) or `fine-tune` with nothing unfrozen (pixels every epoch). Default
   * `feature-extraction`. With `unfreezeFrom` and the frozen-prefix cache (`frozenPrefixCache`
   * not `off`, see `train`), `feature-extraction` runs the frozen layers once for both stages:
   * stage 1 trains the head through the frozen suffix on the cached activations.
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
  // Epoch numbers run on across the stages, so the checkpoint's epoch says which stage wrote it.
  const resumeStage =
    options.resume === undefined
      ? undefined
      : freezeEpochs > 0 && options.resume.manifest.epoch <= freezeEpochs
        ? 1
        : 2;
  if (resumeStage === 2 && (options.resume?.manifest.epoch ?? 0) > freezeEpochs + options.epochs) {
    throw new InvalidArgumentError({
      argument: 'resume',
      value: options.resume?.manifest.epoch,
      expected: `a checkpoint at epoch ≤ ${freezeEpochs + options.epochs} (freezeEpochs + epochs)`,
    });
  }
  const headOptimizer = options.headOptimizer ?? adam({ learningRate: 1e-3 });
  const {
    freezeMode,
    headSchedule,
    schedule,
    optimizer,
    freezeEpochs: _freezeEpochs,
    headOptimizer: _headOptimizer,
    resume,
    ...shared
  } = options;
  let cache: FrozenPrefixCache | undefined;
  let frozen: TrainResult = {
    history: [],
    epoch: 0,
    step: 0,
    trainingSeconds: 0,
    peakTensorBytes: 0,
  };
  if (freezeEpochs > 0 && resumeStage === 2) {
    cache = await sharedCache(options);
  } else if (freezeEpochs > 0) {
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
    cache = await sharedCache(options);
    frozen = await train({
      ...(cache
        ? {
            ...shared,
            mode: 'fine-tune',
            keepBackboneFrozen: true,
            frozenPrefixCache: cache,
            epochs: freezeEpochs,
            optimizer: headOptimizer,
          }
        : stageOne),
      ...(headSchedule ? { schedule: headSchedule } : {}),
      ...(resume ? { resume } : {}),
    });
    if (options.headOptimizer === undefined) headOptimizer.dispose();
    if (frozen.stopReason !== undefined) {
      cache?.dispose();
      return { frozen, history: [...frozen.history] };
    }
  }
  const stageTwoOptimizer = optimizer ?? adam({ learningRate: 1e-4 });
  try {
    const unfrozen = await train({
      ...shared,
      ...(cache ? { frozenPrefixCache: cache } : {}),
      mode: 'fine-tune',
      initialEpoch: freezeEpochs,
      epochs: freezeEpochs + options.epochs,
      optimizer: stageTwoOptimizer,
      ...(schedule ? { schedule } : {}),
      ...(resume && resumeStage === 2 ? { resume } : {}),
    });
    return { frozen, unfrozen, history: [...frozen.history, ...unfrozen.history] };
  } finally {
    if (optimizer === undefined) stageTwoOptimizer.dispose();
    cache?.dispose();
  }
}

/** One frozen-prefix cache for both stages, when stage 1 would featurise and the cache applies. */
async function sharedCache(options: FineTuneOptions): Promise<FrozenPrefixCache | undefined> {
  if (
    (options.freezeMode ?? 'feature-extraction') !== 'feature-extraction' ||
    options.unfreezeFrom === undefined ||
    options.frozenPrefixCache === 'off' ||
    isFrozenPrefixCache(options.frozenPrefixCache) ||
    (options.lossTerms?.length ?? 0) > 0
  ) {
    return undefined;
  }
  // Frozen, so the prefix check sees the state both stages train in (the prefix stays frozen).
  options.backbone.freeze();
  const { cache } = await prepareFrozenPrefixCache(
    {
      backbone: options.backbone,
      trainData: options.trainData,
      ...(options.validationData ? { validationData: options.validationData } : {}),
      setting: 'auto',
      unfreezeFrom: options.unfreezeFrom,
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      ...(options.augmentedViews !== undefined ? { augmentedViews: options.augmentedViews } : {}),
      budgetBytes: options.frozenPrefixCacheBytes ?? defaultFrozenPrefixCacheBytes,
      batchSize: options.extractionBatchSize ?? 32,
      seed: options.seed ?? 0,
      ...(options.prefixRunner ? { prefixRunner: options.prefixRunner } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (progress) => {
        for (const callback of options.callbacks ?? []) {
          void (callback as TrainerCallback).onExtractionProgress?.(progress);
        }
      },
    },
    options.head,
  );
  return cache;
}
