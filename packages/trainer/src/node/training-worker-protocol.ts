// Messages between createTrainingWorkerPool (main thread) and training-worker-thread.ts.
import type { WorkerErrorMessage } from './worker-error-message.js';

/** `workerData` of each training worker. */
export interface TrainingWorkerData {
  /** URL of the app's module exporting a `FeatureBackboneFactory` (the same as the feature pool's). */
  module: string;
  /** Passed to the factory. */
  data: unknown;
  /** 0-based worker number, for messages. */
  index: number;
}

/** Where one weight sits in the shared weight buffer. */
export interface WeightSlot {
  /** Index in `canonicalWeights([backbone.model, head])`. */
  index: number;
  /** First float in the buffer. */
  offset: number;
  /** Its shape. */
  shape: number[];
}

/** Main thread → worker: compute the gradients of these rows. */
export interface StepMessage {
  type: 'step';
  id: number;
  /** `head.model.toJSON()`: the worker rebuilds the head when it changes. */
  headTopology: string;
  /**
   * `trainable` of every backbone layer then every head layer, nested models included, in
   * pre-order (a container before its layers): BatchNorm's mode and the trainable set follow.
   */
  trainableFlags: boolean[];
  /** Every backbone and head weight, float32 (the master copy, written before each step). */
  weights: SharedArrayBuffer;
  weightSlots: WeightSlot[];
  /** Canonical indices of the trainable variables, in gradient order. */
  trainableIndices: number[];
  /** Canonical indices of the weights the step changes besides the trainable ones (BatchNorm statistics). */
  stateIndices: number[];
  /** Gradient buffer shared by all workers; this worker writes floats `[offset, offset + total)`. */
  gradients: SharedArrayBuffer;
  gradientOffset: number;
  /** This worker's rows (transferred). */
  inputs: Float32Array;
  inputShape: number[];
  targets: Float32Array;
  /** Rows of the whole batch: each micro-batch's loss is weighted by its rows / batchRows. */
  batchRows: number;
  microBatchSize: number;
  activation: 'softmax' | 'sigmoid';
}

/** Worker → main thread. */
export type FromTrainingWorkerMessage =
  | { type: 'ready'; backend: string; tensors: number }
  | {
      type: 'gradients';
      id: number;
      /** This worker's share of the batch's mean loss (weighted by its rows / batchRows). */
      loss: number;
      correct: number;
      /** Values of `stateIndices` after the step, same order. */
      states: Float32Array[];
      tensors: number;
    }
  | WorkerErrorMessage;
