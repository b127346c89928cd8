import type { JsonObject } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/** One trainable variable as the optimiser sees it. */
export interface OptimizedVariable {
  /**
   * Stable name across processes (e.g. `backbone/block_16_project/kernel`), keys the optimiser's
   * slots in checkpoints. tfjs variable names get uniquifying suffixes, so they are not used.
   */
  key: string;
  /** The variable updated in place. */
  variable: tf.Variable;
  /** Multiplies the step's learning rate (discriminative learning rates). Default 1. */
  learningRateMultiplier?: number;
  /** Whether weight decay applies (kernels yes; biases and BatchNorm parameters usually not). */
  decay?: boolean;
}

/** An optimiser's slots and step, for checkpoints. Tensors are clones the caller disposes. */
export interface OptimizerState {
  /** Registered name of the optimiser. */
  name: string;
  /** Number of updates applied so far (Adam's bias correction uses it). */
  iterations: number;
  /** Slot tensors named `<variable key>::<slot>`. */
  slots: Array<{ name: string; tensor: tf.Tensor }>;
}

/**
 * A first-order optimiser that takes the learning rate on every call, so any schedule and
 * per-variable multipliers apply exactly; its state can be saved and restored.
 */
export interface Optimizer {
  /** Registered name: `sgd`, `adam` or `adamw`. */
  readonly name: string;
  /** Learning rate used when the trainer has no schedule. */
  readonly learningRate: number;
  /** Number of updates applied so far. */
  readonly iterations: number;
  /**
   * Applies one update. `gradients[i]` belongs to `variables[i]`; gradients are not disposed.
   * Runs in `tf.tidy`; creates slot variables on first sight of a key.
   */
  applyGradients(options: {
    /** Variables to update. */
    variables: readonly OptimizedVariable[];
    /** Their gradients, same order. */
    gradients: readonly tf.Tensor[];
    /** Learning rate of this step (before per-variable multipliers). */
    learningRate: number;
  }): void;
  /** `{ name, ...hyper-parameters }`, written into metadata. */
  getConfig(): JsonObject;
  /** Clones of the slots (the caller disposes them). */
  getState(): OptimizerState;
  /** Restores {@link getState}; slot tensors are copied, the caller keeps ownership. */
  setState(state: OptimizerState): void;
  /** Releases slot variables. */
  dispose(): void;
}
