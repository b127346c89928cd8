import {
  InvalidArgumentError,
  type Schedule,
  type SeededRandom,
  type TrainLogs,
} from '@graft/core';
import { restoreCheckpoint, type TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { TrainingMode } from './train-options.js';
import type { KeyedWeight } from './trainable-variables.js';

/**
 * Puts a checkpoint's weights, optimiser state, seed generator, history and schedule state back,
 * and says where the run continues. Callback states are restored later, after `onTrainBegin`.
 */
export function resumeTraining(settings: {
  /** The checkpoint to continue from. */
  checkpoint: TrainingCheckpoint;
  /** The run's mode; the checkpoint must be of the same mode. */
  mode: TrainingMode;
  /** The weights the checkpoint holds. */
  weights: readonly KeyedWeight[];
  /** The run's optimiser. */
  optimizer: Optimizer;
  /** The generator of the epochs' seeds. */
  random: SeededRandom;
  /** The run's history, which receives the checkpoint's epochs. */
  history: TrainLogs[];
  /** The run's schedule, if any. */
  schedule: Schedule | undefined;
}): { epoch: number; step: number } {
  const { checkpoint, mode, schedule } = settings;
  const manifest = checkpoint.manifest;
  if (manifest.mode !== mode) {
    throw new InvalidArgumentError({
      argument: 'resume',
      value: manifest.mode,
      expected: `must be a checkpoint of a ${mode} run`,
    });
  }
  restoreCheckpoint({ checkpoint, weights: settings.weights, optimizer: settings.optimizer });
  settings.random.setState(manifest.random);
  settings.history.push(...manifest.history);
  if (manifest.schedule?.state && schedule?.setState) {
    schedule.setState(manifest.schedule.state);
  }
  return { epoch: manifest.epoch, step: manifest.step };
}
