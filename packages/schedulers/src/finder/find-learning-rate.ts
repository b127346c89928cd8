import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkNonNegativeInteger, checkPositive, checkPositiveInteger } from '../validate.js';
import { exponentialRamp, smoothingLag, steepestDescentIndex } from './curve.js';
import { cycle } from './cycle-batches.js';
import { resolveLoss } from './finder-loss.js';
import { resolveOptimizer } from './finder-optimizer.js';
import type {
  FindLearningRateOptions,
  LearningRateFinderResult,
} from './learning-rate-finder-options.js';

export type {
  FindLearningRateOptions,
  LearningRateFinderBatch,
  LearningRateFinderBatches,
  LearningRateFinderLoss,
  LearningRateFinderResult,
  StepOptimizer,
} from './learning-rate-finder-options.js';

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
