import type { Callback } from '@graft/core';
import type { TrainerCallback, TrainerCallbackContext } from '../callbacks/trainer-context.js';
import type { HardLabelLoss } from '../losses/hard-label-loss.js';
import type { OptimizedVariable, Optimizer } from '../optimizers/optimizer.js';
import type { MicroBatchChoice } from './choose-micro-batch-size.js';
import type { computeGradients, StepGradients } from './gradients.js';
import type { ResolvedLossTerms } from './loss-terms.js';
import type { TrainOptions } from './train-options.js';
import type { StopControl } from './training-control.js';

/** A step's gradient request, as `computeGradients` takes it. */
export type GradientRequest = Parameters<typeof computeGradients>[0];

/** What every epoch and step of one `train` call shares; `train` builds it once. */
export interface TrainingRun {
  /** The caller's options. */
  readonly options: TrainOptions;
  /** Hooks, called in order and awaited. */
  readonly callbacks: readonly (Callback | TrainerCallback)[];
  /** What callbacks see; its `epoch` and `step` follow the run's. */
  readonly context: TrainerCallbackContext;
  /** Set when a callback asks the run to stop. */
  readonly control: StopControl;
  /** Applies each step's gradients. */
  readonly optimizer: Optimizer;
  /** What the optimiser updates, in gradient order. */
  readonly variables: OptimizedVariable[];
  /** Distillation and CORAL terms of the run. */
  readonly lossTerms: ResolvedLossTerms;
  /** Whether there is any extra loss term. */
  readonly hasLossTerms: boolean;
  /** The hard-label loss settings; undefined for plain cross-entropy. */
  readonly hardLabel: HardLabelLoss | undefined;
  /** Images per optimiser step. */
  readonly batchSize: number;
  /** Images per forward/backward pass. */
  readonly microBatchSize: number;
  /** Fine-tuning: the micro-batch chosen and why (named by out-of-memory errors). */
  readonly microBatchChoice: MicroBatchChoice | undefined;
  /** Whether any callback follows batches (batch logs are then built). */
  readonly wantsBatchLogs: boolean;
  /** Computes one step's gradients, here or on the gradient computer. */
  readonly stepGradients: (request: GradientRequest) => Promise<StepGradients>;
  /** The learning rate of an optimiser step. */
  readonly learningRateAt: (step: number) => number;
  /** Throws the signal's reason when the run was aborted. */
  readonly throwIfAborted: () => void;
  /** Epochs completed (index of the running epoch while it runs). */
  epoch: number;
  /** Optimiser steps taken. */
  step: number;
  /** Largest `tf.memory().numBytes` right after a step's gradients. */
  peakTensorBytes: number;
}
