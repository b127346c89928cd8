import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  checkNonNegativeInteger,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
} from '../validate.js';
import { exponentialRamp, smoothingLag, steepestDescentIndex } from './curve.js';

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

/**
 * The learning-rate range test (Smith 2017; fast.ai's `lr_find`): trains for `steps` batches
 * while the learning rate grows exponentially from `startLearningRate` to `endLearningRate`,
 * records the smoothed loss, stops when it diverges, and suggests the rate where it falls
 * fastest. The model's weights are restored afterwards.
 */
export async function findLearningRate(
  options: FindLearningRateOptions,
): Promise<LearningRateFinderResult> {
  const startLearningRate = options.startLearningRate ?? 1e-7;
  const endLearningRate = options.endLearningRate ?? 10;
  const steps = options.steps ?? 200;
  const smoothing = options.smoothing ?? 0.9;
  const divergenceThreshold = options.divergenceThreshold ?? 4;
  const skipStart = options.skipStart ?? Math.floor(steps * 0.1);
  const skipEnd = options.skipEnd ?? Math.floor(steps * 0.05);
  const restoreWeights = options.restoreWeights ?? true;
  const disposeBatches = options.disposeBatches ?? !Array.isArray(options.batches);
  checkPositive('startLearningRate', startLearningRate);
  checkPositive('endLearningRate', endLearningRate);
  if (endLearningRate <= startLearningRate) {
    throw new InvalidArgumentError({
      argument: 'endLearningRate',
      value: endLearningRate,
      expected: `must be > startLearningRate (${startLearningRate})`,
    });
  }
  checkPositiveInteger('steps', steps);
  if (steps < 3) {
    throw new InvalidArgumentError({ argument: 'steps', value: steps, expected: 'must be >= 3' });
  }
  if (!(typeof smoothing === 'number' && smoothing >= 0 && smoothing < 1)) {
    throw new InvalidArgumentError({
      argument: 'smoothing',
      value: smoothing,
      expected: 'must be in [0, 1)',
    });
  }
  checkPositive('divergenceThreshold', divergenceThreshold);
  if (divergenceThreshold <= 1) {
    throw new InvalidArgumentError({
      argument: 'divergenceThreshold',
      value: divergenceThreshold,
      expected: 'must be > 1',
    });
  }
  checkNonNegativeInteger('skipStart', skipStart);
  checkNonNegativeInteger('skipEnd', skipEnd);
  const lossFunction = resolveLoss(options.loss ?? 'categoricalCrossentropy');
  const { optimizer, release } = resolveOptimizer(options.optimizer ?? 'adam');

  const { model } = options;
  const variables =
    options.variables ??
    model.trainableWeights.map((weight) => ({
      key: weight.name,
      variable: weight.read() as tf.Variable,
    }));
  const forward =
    options.forward ??
    ((inputs: tf.Tensor) => model.apply(inputs, { training: true }) as tf.Tensor);
  if (variables.length === 0) {
    throw new InvalidArgumentError({
      argument: 'variables',
      value: [],
      expected: 'must not be empty (the model has no trainable weights)',
    });
  }
  // Clones share the variables' buffers; an update assigns new buffers, so these keep the old values.
  const snapshot = restoreWeights ? model.weights.map((weight) => tf.clone(weight.read())) : [];
  const learningRates = exponentialRamp(startLearningRate, endLearningRate, steps);
  const rawLosses: number[] = [];
  const smoothed: number[] = [];
  let average = 0;
  let best = Number.POSITIVE_INFINITY;
  let stopReason: LearningRateFinderResult['stopReason'] = 'completed';
  try {
    const batches = cycle(options.batches, disposeBatches);
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const next = await batches.next();
      if (next.done) {
        stopReason = 'exhausted';
        break;
      }
      const batch = next.value;
      const learningRate = learningRates[step] as number;
      let loss: number;
      try {
        const { value, grads } = tf.variableGrads(
          () => lossFunction(batch.ys, forward(batch.xs)),
          variables.map((entry) => entry.variable),
        );
        const gradients = variables.map(
          (entry) => grads[entry.variable.name] ?? tf.zerosLike(entry.variable),
        );
        optimizer.applyGradients({ variables, gradients, learningRate });
        loss = (await value.data())[0] as number;
        tf.dispose([value, ...gradients, ...Object.values(grads)]);
      } finally {
        if (disposeBatches) tf.dispose([batch.xs, batch.ys]);
      }
      average = smoothing * average + (1 - smoothing) * loss;
      const smoothedLoss = average / (1 - smoothing ** (step + 1));
      rawLosses.push(loss);
      smoothed.push(smoothedLoss);
      options.onStep?.({ step, learningRate, loss, smoothedLoss });
      if (!Number.isFinite(smoothedLoss) || smoothedLoss > divergenceThreshold * best) {
        stopReason = 'diverged';
        break;
      }
      best = Math.min(best, smoothedLoss);
    }
    await batches.return?.(undefined);
  } finally {
    if (restoreWeights) {
      model.weights.forEach((weight, index) => {
        weight.write(snapshot[index] as tf.Tensor);
      });
      tf.dispose(snapshot);
    }
    release();
  }
  const steepest = steepestDescentIndex({ losses: smoothed, skipStart, skipEnd });
  // The moving average describes the losses of a few steps earlier: report the rate those steps
  // used, not the (higher) rate at which the average caught up.
  const suggestionIndex =
    steepest === undefined
      ? undefined
      : Math.max(0, Math.round(steepest - smoothingLag(steepest, smoothing)));
  return {
    learningRates: learningRates.slice(0, smoothed.length),
    losses: smoothed,
    rawLosses,
    suggestion: suggestionIndex === undefined ? undefined : learningRates[suggestionIndex],
    suggestionIndex,
    diverged: stopReason === 'diverged',
    stopReason,
  };
}

const epsilon = 1e-7;

function resolveLoss(
  loss: LearningRateFinderLoss,
): (targets: tf.Tensor, predictions: tf.Tensor) => tf.Scalar {
  if (typeof loss === 'function') return loss;
  checkOneOf('loss', loss, [
    'categoricalCrossentropy',
    'binaryCrossentropy',
    'meanSquaredError',
  ] as const);
  if (loss === 'meanSquaredError') {
    return (targets, predictions) =>
      tf.mean(tf.squaredDifference(predictions, targets)) as tf.Scalar;
  }
  if (loss === 'binaryCrossentropy') {
    return (targets, predictions) => {
      const clipped = tf.clipByValue(predictions, epsilon, 1 - epsilon);
      const positive = tf.mul(targets, tf.log(clipped));
      const negative = tf.mul(tf.sub(1, targets), tf.log(tf.sub(1, clipped)));
      return tf.neg(tf.mean(tf.add(positive, negative))) as tf.Scalar;
    };
  }
  return (targets, predictions) => {
    const depth = predictions.shape[predictions.shape.length - 1] as number;
    const dense = targets.rank === 1 ? tf.oneHot(tf.cast(targets, 'int32'), depth) : targets;
    const clipped = tf.clipByValue(predictions, epsilon, 1 - epsilon);
    return tf.neg(tf.mean(tf.sum(tf.mul(dense, tf.log(clipped)), -1))) as tf.Scalar;
  };
}

function resolveOptimizer(choice: 'sgd' | 'momentum' | 'adam' | StepOptimizer): {
  optimizer: StepOptimizer;
  release: () => void;
} {
  if (
    typeof choice === 'object' &&
    choice !== null &&
    typeof choice.applyGradients === 'function'
  ) {
    return { optimizer: choice, release: () => {} };
  }
  checkOneOf('optimizer', choice, ['sgd', 'momentum', 'adam'] as const);
  const inner =
    choice === 'sgd'
      ? tf.train.sgd(1)
      : choice === 'momentum'
        ? tf.train.momentum(1, 0.9)
        : tf.train.adam(1);
  const setLearningRate = (learningRate: number) => {
    const settable = inner as unknown as {
      learningRate: number;
      setLearningRate?: (value: number) => void;
    };
    // SGD caches the rate in a scalar set by setLearningRate; Adam reads its field every update.
    if (typeof settable.setLearningRate === 'function') settable.setLearningRate(learningRate);
    else settable.learningRate = learningRate;
  };
  return {
    optimizer: {
      applyGradients({ variables, gradients, learningRate }) {
        setLearningRate(learningRate);
        inner.applyGradients(
          variables.map((entry, index) => ({
            name: entry.variable.name,
            tensor: gradients[index] as tf.Tensor,
          })),
        );
      },
    },
    release: () => {
      inner.dispose();
      // tfjs 4.22's MomentumOptimizer.dispose() skips SGD's learning-rate scalar `c`.
      const scalar = (inner as unknown as { c?: tf.Tensor }).c;
      if (scalar !== undefined && !scalar.isDisposed) scalar.dispose();
    },
  };
}

type BatchIterator = AsyncIterator<LearningRateFinderBatch> & {
  return?: (value?: undefined) => Promise<IteratorResult<LearningRateFinderBatch>>;
};

/**
 * Yields the batches forever when they can be iterated again; stops when a pass is empty. When
 * the test stops mid-way through an array returned by a factory, the batches it did not reach
 * are disposed too (`disposeUnread`): they were made for this run.
 */
async function* cycleInner(
  source: LearningRateFinderBatches,
  disposeUnread: boolean,
): AsyncGenerator<LearningRateFinderBatch> {
  while (true) {
    const iterable = typeof source === 'function' ? source() : source;
    let yielded = false;
    let read = 0;
    try {
      for await (const batch of iterable as AsyncIterable<LearningRateFinderBatch>) {
        yielded = true;
        read++;
        yield batch;
      }
    } finally {
      if (disposeUnread && typeof source === 'function' && Array.isArray(iterable)) {
        for (const batch of iterable.slice(read)) tf.dispose([batch.xs, batch.ys]);
      }
    }
    // A generator returns itself from [Symbol.iterator](): it is one-shot. An array is not.
    const reiterable =
      typeof source === 'function' ||
      (Symbol.iterator in source &&
        (source as Iterable<unknown>)[Symbol.iterator]() !== (source as unknown)) ||
      (Symbol.asyncIterator in source &&
        (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() !== (source as unknown));
    if (!yielded || !reiterable) return;
  }
}

function cycle(source: LearningRateFinderBatches, disposeUnread: boolean): BatchIterator {
  return cycleInner(source, disposeUnread);
}
