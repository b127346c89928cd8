import type { Callback, CallbackContext, TrainLogs } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import type { CallbackState } from './callback-state.js';

// Declared on its own so checkpoints can store it without importing the callback types.
export type { CallbackState } from './callback-state.js';

/** Clones of every model weight; dispose with {@link WeightSnapshot.dispose}. */
export interface WeightSnapshot {
  /** Clones keyed by stable weight key. */
  tensors: Map<string, tf.Tensor>;
  /** Releases the clones. */
  dispose(): void;
}

/**
 * The context the trainer passes to every hook: core's {@link CallbackContext} plus access to
 * the run's state, for callbacks that save checkpoints or restore the best weights.
 */
export interface TrainerCallbackContext extends CallbackContext {
  /** `feature-extraction` or `fine-tune`. */
  readonly mode: 'feature-extraction' | 'fine-tune';
  /** Logs of every completed epoch so far. */
  readonly history: readonly TrainLogs[];
  /** Clones the current weights (backbone and head). */
  snapshotWeights(): WeightSnapshot;
  /** Writes a snapshot back into the model. */
  restoreWeights(snapshot: WeightSnapshot): void;
  /** A checkpoint of the run as it is now (call it from `onEpochEnd`). */
  checkpoint(extra?: TrainingCheckpoint['manifest']['extra']): Promise<TrainingCheckpoint>;
}

/** Whether `context` is the trainer's extended context. */
export function isTrainerContext(context: CallbackContext): context is TrainerCallbackContext {
  return typeof (context as Partial<TrainerCallbackContext>).snapshotWeights === 'function';
}

/** A core {@link Callback} that may also follow feature extraction and save its state. */
export interface TrainerCallback extends Callback {
  /**
   * The callback's state, stored in each checkpoint under its `name` (names must then be
   * unique). Tensors stay the callback's: the checkpoint copies them.
   */
  getState?(): CallbackState;
  /**
   * Restores {@link getState} on resume, after `onTrainBegin`. The trainer disposes the
   * tensors after this returns: clone what you keep.
   */
  setState?(state: CallbackState): void;
  /** A one-line message about how training runs (e.g. whether the frozen-prefix cache is used). */
  onNotice?(message: string): void | Promise<void>;
  /**
   * Called while the frozen backbone featurises the data (feature-extraction mode):
   * `pass` is `validation` or the 0-based training pass.
   */
  onExtractionProgress?(progress: {
    /** Which pass. */
    pass: number | 'validation';
    /** Images done in this pass. */
    done: number;
    /** Images in this pass. */
    total: number;
    /** Of `done`, images whose features came from the feature store (not computed). */
    cached?: number;
  }): void | Promise<void>;
}
