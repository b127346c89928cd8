import type { SeededRandom, TrainLogs } from '@graft/core';
import type { TrainerCallback, TrainerCallbackContext } from '../callbacks/trainer-context.js';
import { captureCheckpoint } from '../checkpoint/training-checkpoint.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { callbackStates } from './stateful-callbacks.js';
import type { TrainOptions } from './train-options.js';
import type { KeyedWeight } from './trainable-variables.js';
import type { StopControl } from './training-control.js';
import { restoreWeights, snapshotWeights } from './weight-snapshot.js';

/**
 * The context callbacks see: where the run is, its history, weight snapshots, and checkpoints
 * of the run as it is now.
 */
export function createTrainingContext(settings: {
  /** The caller's options (mode, epochs, schedule). */
  options: TrainOptions;
  /** Epochs completed and optimiser steps taken when the run starts. */
  start: { epoch: number; step: number };
  /** Epochs completed and optimiser steps taken, as the run counts them now. */
  position: () => { epoch: number; step: number };
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** The run's stop control. */
  control: StopControl;
  /** Logs of every epoch so far (the run appends to it). */
  history: TrainLogs[];
  /** The generator of the epochs' seeds (its state is checkpointed). */
  random: SeededRandom;
  /** The optimiser (its state is checkpointed). */
  optimizer: Optimizer;
  /** What checkpoints and snapshots hold. */
  checkpointWeights: readonly KeyedWeight[];
  /** Callbacks whose state is checkpointed, by name. */
  statefulCallbacks: ReadonlyMap<string, TrainerCallback>;
  /** Called when a callback writes other weights back. */
  onRestoreWeights: () => void;
}): TrainerCallbackContext {
  const { options, control, history, random, optimizer, checkpointWeights } = settings;
  return {
    epoch: settings.start.epoch,
    epochs: options.epochs,
    step: settings.start.step,
    stepsPerEpoch: settings.stepsPerEpoch,
    control,
    mode: options.mode,
    history,
    snapshotWeights: () => snapshotWeights(checkpointWeights),
    restoreWeights: (saved) => {
      restoreWeights(checkpointWeights, saved);
      settings.onRestoreWeights();
    },
    checkpoint: (extra) => {
      const position = settings.position();
      return captureCheckpoint({
        manifest: {
          mode: options.mode,
          epoch: position.epoch,
          step: position.step,
          random: random.getState(),
          ...(options.schedule
            ? {
                schedule: {
                  config: options.schedule.getConfig(),
                  ...(options.schedule.getState ? { state: options.schedule.getState() } : {}),
                },
              }
            : {}),
          history: history.map((logs) => ({ ...logs })),
          ...(control.stopRequested
            ? { stopReason: control.stopReason ?? 'stopped by a callback' }
            : {}),
          ...(extra ? { extra } : {}),
        },
        weights: checkpointWeights,
        optimizer,
        callbacks: callbackStates(settings.statefulCallbacks),
      });
    },
  };
}
