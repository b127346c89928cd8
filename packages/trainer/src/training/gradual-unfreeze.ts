import { InvalidArgumentError, type TrainLogs } from '@graft/core';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { adam } from '../optimizers/adam.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { createOptimizer } from '../optimizers/optimizer-registry.js';
import { type TrainOptions, type TrainResult, train } from './train.js';

/** One step of a gradual unfreeze: from `epoch` on, the backbone trains from `unfreezeFrom`. */
export interface UnfreezeStage {
  /** First epoch (0-based, counted over the whole run) of this stage. */
  epoch: number;
  /** Stage or layer to train from (`backbone.stages`); omitted: the whole backbone. */
  unfreezeFrom?: string;
}

/** Options of {@link gradualUnfreeze}: {@link TrainOptions} without `mode`, plus the stages. */
export interface GradualUnfreezeOptions
  extends Omit<TrainOptions, 'mode' | 'initialEpoch' | 'unfreezeFrom' | 'resume'> {
  /** Epochs of the whole run, head-only epochs included. */
  epochs: number;
  /**
   * The unfreezing steps, by increasing `epoch` (≥ 1, < `epochs`), each usually reaching deeper
   * than the one before (e.g. `block_16`, then `block_13`, then the whole backbone). Epochs before
   * the first stage train the head on cached features.
   */
  stages: readonly UnfreezeStage[];
  /** Optimiser of the head-only epochs. Default `adam({ learningRate: 1e-3 })`. */
  headOptimizer?: Optimizer;
  /**
   * A checkpoint written during any stage of a `gradualUnfreeze` with the same `stages`: the
   * stage it was written in continues (a checkpoint at a stage's last epoch starts the next).
   */
  resume?: TrainingCheckpoint;
}

/** What {@link gradualUnfreeze} returns. */
export interface GradualUnfreezeResult {
  /** Each stage that ran (head-only first), in order. */
  stages: TrainResult[];
  /** The epoch logs of the stages that ran, in order. */
  history: TrainLogs[];
}

/**
 * fastai's gradual unfreezing (`freeze_to(-1)`, `freeze_to(-2)`, … `unfreeze()`, each followed
 * by training): head-only epochs on cached features, then for each stage `train` in
 * `fine-tune` mode from its `unfreezeFrom`, epoch numbers running on across stages. Each
 * unfrozen stage gets a fresh optimiser made from `optimizer`'s config (which is not stepped
 * itself): the set of trainable weights, and so the optimiser's slots, change from stage to
 * stage. A callback that stops training stops the whole run.
 */
export async function gradualUnfreeze(
  options: GradualUnfreezeOptions,
): Promise<GradualUnfreezeResult> {
  const { stages, headOptimizer: givenHeadOptimizer, resume, epochs, ...shared } = options;
  validateStages(stages, epochs);
  const bounds = [0, ...stages.map((stage) => stage.epoch), epochs];
  // Epoch numbers run on across stages, so the checkpoint's epoch says which stage wrote it: the
  // one that ends at or after it (a finished stage resumes to its end, then the next one runs).
  const resumeAt = resume?.manifest.epoch;
  const resumeStage =
    resumeAt === undefined
      ? undefined
      : bounds.findIndex((end, index) => index > 0 && resumeAt <= end) - 1;
  if (resumeAt !== undefined && (resumeStage === undefined || resumeStage < 0)) {
    throw new InvalidArgumentError({
      argument: 'resume',
      value: resumeAt,
      expected: `a checkpoint at epoch ≤ ${epochs} (the run's epochs)`,
    });
  }
  const results: TrainResult[] = [];
  const headOptimizer = givenHeadOptimizer ?? adam({ learningRate: 1e-3 });
  const template = shared.optimizer ?? adam({ learningRate: 1e-4 });
  const optimizerConfig = { ...template.getConfig(), name: String(template.getConfig().name) };
  try {
    for (let index = 0; index < bounds.length - 1; index++) {
      const start = bounds[index] as number;
      const end = bounds[index + 1] as number;
      if (end === start || (resumeStage !== undefined && index < resumeStage)) continue;
      const stageResume = index === resumeStage ? resume : undefined;
      let result: TrainResult;
      if (index === 0) {
        result = await train({
          ...shared,
          mode: 'feature-extraction',
          epochs: end,
          optimizer: headOptimizer,
          ...(stageResume ? { resume: stageResume } : {}),
        });
      } else {
        const unfreezeFrom = stages[index - 1]?.unfreezeFrom;
        const optimizer = createOptimizer(optimizerConfig);
        try {
          result = await train({
            ...shared,
            mode: 'fine-tune',
            ...(unfreezeFrom !== undefined ? { unfreezeFrom } : {}),
            initialEpoch: start,
            epochs: end,
            optimizer,
            ...(stageResume ? { resume: stageResume } : {}),
          });
        } finally {
          optimizer.dispose();
        }
      }
      results.push(result);
      if (result.stopReason !== undefined) break;
    }
  } finally {
    if (givenHeadOptimizer === undefined) headOptimizer.dispose();
    if (shared.optimizer === undefined) template.dispose();
  }
  return { stages: results, history: results.flatMap((result) => result.history) };
}

function validateStages(stages: readonly UnfreezeStage[], epochs: number): void {
  let previous = 0;
  for (const [index, stage] of stages.entries()) {
    if (!Number.isInteger(stage.epoch) || stage.epoch <= previous || stage.epoch >= epochs) {
      throw new InvalidArgumentError({
        argument: `stages[${index}].epoch`,
        value: stage.epoch,
        expected: `must be an integer above ${previous} (the previous stage's epoch, or 0) and below epochs (${epochs})`,
      });
    }
    previous = stage.epoch;
  }
  if (stages.length === 0) {
    throw new InvalidArgumentError({
      argument: 'stages',
      value: [],
      expected: 'must list at least one stage (use train() for a single one)',
    });
  }
}
