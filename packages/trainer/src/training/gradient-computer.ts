import type { Backbone, Head } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { OptimizedVariable } from '../optimizers/optimizer.js';
import type { StepGradients } from './gradients.js';

/** One fine-tuning step's gradient request, as `train` makes it. */
export interface GradientRequest {
  /** Normalized inputs of the whole batch, first axis = batch. Not disposed. */
  inputs: tf.Tensor;
  /** `[N, C]` float targets. Not disposed. */
  targets: tf.Tensor;
  /** The head's activation, which picks the loss. */
  activation: 'softmax' | 'sigmoid';
  /** The trainable variables, in the order the returned gradients must follow. */
  variables: readonly OptimizedVariable[];
  /** Rows per forward/backward pass (BatchNorm batch statistics are per micro-batch). */
  microBatchSize: number;
  /** Clip the summed gradients to this global L2 norm. */
  clipNorm?: number;
  /**
   * The backbone, with the run's trainable flags set (its layers decide BatchNorm's mode): the
   * master copy. A computer running replicas makes them equal to it (and the head) before the
   * step, and writes back state the step changes (BatchNorm moving statistics) as one thread
   * would have.
   */
  backbone: Backbone;
  /** The head. */
  head: Head;
}

/**
 * Computes a fine-tuning step's gradients somewhere else than this thread, e.g. in worker
 * threads that each hold a replica of backbone and head and take a share of the micro-batches
 * (`createTrainingWorkerPool` in `@graft/trainer/node`). The result must equal
 * `computeGradients` on the whole batch (micro-batches in the same order) within float rounding;
 * `train` then applies the optimiser to the master weights in this thread.
 */
export interface GradientComputer {
  /** The step's mean loss, correct count, gradients and global norm; the caller disposes them. */
  computeGradients(request: GradientRequest): Promise<StepGradients>;
}
