import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** One training batch: inputs and targets, first axis = batch. */
export interface LearningRateFinderBatch {
  /** Model inputs. */
  xs: tf.Tensor;
  /** Targets: `[N, C]` one-hot/soft targets, or `[N]` class indices for categorical cross-entropy. */
  ys: tf.Tensor;
}

/** Batches: an (async) iterable, or a function returning a fresh one each time it is called. */
export type LearningRateFinderBatches =
  | Iterable<LearningRateFinderBatch>
  | AsyncIterable<LearningRateFinderBatch>
  | (() => Iterable<LearningRateFinderBatch> | AsyncIterable<LearningRateFinderBatch>);

/**
 * An optimiser that takes the learning rate on every update. `@graft/trainer`'s optimisers have
 * this shape, so the range test can run with the optimiser that will train.
 */
export interface StepOptimizer {
  /** Applies one update; `gradients[i]` belongs to `variables[i]`. */
  applyGradients(options: {
    /** Variables to update, with a stable key each. */
    variables: ReadonlyArray<{ key: string; variable: tf.Variable }>;
    /** Their gradients, same order. */
    gradients: readonly tf.Tensor[];
    /** Learning rate of this step. */
    learningRate: number;
  }): void;
}

/** Built-in losses of the range test, computed on the model's output probabilities. */
export type LearningRateFinderLoss =
  | 'categoricalCrossentropy'
  | 'binaryCrossentropy'
  | 'meanSquaredError'
  | ((targets: tf.Tensor, predictions: tf.Tensor) => tf.Scalar);

/** Options of {@link findLearningRate}. */
export interface FindLearningRateOptions {
  /** The model to probe; its weights are restored afterwards unless `restoreWeights` is false. */
  model: tfl.LayersModel;
  /**
   * Inputs → output probabilities in training mode. Default `model.apply(xs, { training: true })`;
   * pass your own to keep, say, a frozen backbone's BatchNorm in inference mode.
   */
  forward?: (inputs: tf.Tensor) => tf.Tensor;
  /**
   * Variables to train, with a stable key each (passed to the optimiser). Default the model's
   * trainable weights.
   */
  variables?: ReadonlyArray<{ key: string; variable: tf.Variable }>;
  /** Training batches; cycled (re-iterated or re-created) if they run out before `steps`. */
  batches: LearningRateFinderBatches;
  /**
   * Loss on the model's outputs. Default `categoricalCrossentropy` (outputs are probabilities;
   * `[N]` integer targets are one-hot encoded).
   */
  loss?: LearningRateFinderLoss;
  /**
   * `sgd`, `momentum` (0.9), `adam` (tfjs optimisers, created for the test and disposed after) or
   * a {@link StepOptimizer} (its state advances; pass a fresh one). Default `adam`.
   */
  optimizer?: 'sgd' | 'momentum' | 'adam' | StepOptimizer;
  /** First learning rate (> 0). Default 1e-7. */
  startLearningRate?: number;
  /** Last learning rate (> startLearningRate). Default 10. */
  endLearningRate?: number;
  /** Number of steps (batches) of the ramp (integer >= 3). Default 200. */
  steps?: number;
  /** Weight of the past in the loss's moving average, in [0, 1). Default 0.9. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of the best one (> 1). Default 4. */
  divergenceThreshold?: number;
  /** Points ignored at the start when picking the suggestion (integer >= 0). Default 10% of steps. */
  skipStart?: number;
  /** Points ignored at the end when picking the suggestion (integer >= 0). Default 5% of steps. */
  skipEnd?: number;
  /** Put the model's weights (and BatchNorm statistics) back afterwards. Default `true`. */
  restoreWeights?: boolean;
  /**
   * Dispose each batch's tensors after its step (and, for an array returned by a factory, the
   * batches left unread when the test stops). Default `true`, except when `batches` is an array
   * (whose tensors are reused when it is cycled).
   */
  disposeBatches?: boolean;
  /** Called after every step, e.g. for a progress bar. */
  onStep?: (progress: {
    step: number;
    learningRate: number;
    loss: number;
    smoothedLoss: number;
  }) => void;
  /** Stops the test early; the curve so far is returned. */
  signal?: AbortSignal;
}

/** What {@link findLearningRate} measured. */
export interface LearningRateFinderResult {
  /** Learning rate of each completed step. */
  learningRates: number[];
  /** Smoothed (bias-corrected moving average) loss of each step: the curve to plot. */
  losses: number[];
  /** Raw batch losses. */
  rawLosses: number[];
  /**
   * Learning rate at the steepest descent of the smoothed loss, moved back by the moving
   * average's lag; `undefined` when the curve is too short or never descends.
   */
  suggestion: number | undefined;
  /** Index of {@link suggestion} in `learningRates`. */
  suggestionIndex: number | undefined;
  /** Whether the test stopped because the loss diverged (or became NaN). */
  diverged: boolean;
  /** Why it stopped: `completed`, `diverged`, `exhausted` (no more batches) or `aborted`. */
  stopReason: 'completed' | 'diverged' | 'exhausted' | 'aborted';
}
