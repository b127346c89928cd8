import { InvalidArgumentError } from '@graft/core';

/** Options of {@link fitTemperature}. */
export interface FitTemperatureOptions {
  /** Row-major `count × classes` logits (or log-probabilities: softmax ignores a row's shift). */
  logits: Float32Array | readonly number[];
  /** True class index of each row. */
  labels: ArrayLike<number>;
  /** Number of classes (row length). */
  classes: number;
  /** Smallest temperature searched. Default 0.05. */
  minimum?: number;
  /** Largest temperature searched. Default 20. */
  maximum?: number;
}

/** What {@link fitTemperature} returns. */
export interface TemperatureFit {
  /** The temperature T minimising the mean NLL of softmax(logits / T). */
  temperature: number;
  /** Mean negative log-likelihood at T = 1 and at the fitted T. */
  negativeLogLikelihood: { before: number; after: number };
  /**
   * Set when the optimum lies at (or beyond) a search bound: `lower` typically means every row
   * is already classified correctly, so the likelihood keeps growing as T → 0 and the data
   * cannot identify a temperature.
   */
  atBound?: 'lower' | 'upper';
}

/**
 * Temperature scaling (Guo et al. 2017): the single T > 0 minimising the mean negative
 * log-likelihood of `softmax(logits / T)` over labelled rows, e.g. the validation split.
 *
 * Why this search: with β = 1/T the NLL is `mean(logsumexp(β·z) − β·z_label)`, convex in β,
 * so as a function of log T it has a single minimum; a golden-section search over log T on
 * [minimum, maximum] finds it without derivatives, step sizes or a starting point that can
 * diverge (LBFGS on T itself can step to T ≤ 0), and in log T the search is equally fine at
 * T = 0.1 and T = 10. 60 iterations shrink the bracket by 0.618^60 ≈ 3e-13 of its log-width.
 */
export function fitTemperature(options: FitTemperatureOptions): TemperatureFit {
  const { logits, labels, classes } = options;
  const minimum = options.minimum ?? 0.05;
  const maximum = options.maximum ?? 20;
  if (!(minimum > 0 && maximum > minimum && Number.isFinite(maximum))) {
    throw new InvalidArgumentError({
      argument: 'minimum/maximum',
      value: `${minimum}/${maximum}`,
      expected: 'must satisfy 0 < minimum < maximum < Infinity',
    });
  }
  if (!(Number.isInteger(classes) && classes > 1) || logits.length !== labels.length * classes) {
    throw new InvalidArgumentError({
      argument: 'logits',
      value: `${logits.length} values, ${classes} classes`,
      expected: `must hold labels.length × classes = ${labels.length} × classes values, classes ≥ 2`,
    });
  }
  if (labels.length === 0) {
    throw new InvalidArgumentError({
      argument: 'labels',
      value: 0,
      expected: 'must hold at least one labelled row',
    });
  }
  const loss = (logTemperature: number) =>
    meanNegativeLogLikelihood(logits, labels, classes, Math.exp(logTemperature));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(minimum);
  let high = Math.log(maximum);
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftLoss = loss(left);
  let rightLoss = loss(right);
  for (let iteration = 0; iteration < 60; iteration++) {
    if (leftLoss <= rightLoss) {
      high = right;
      right = left;
      rightLoss = leftLoss;
      left = high - ratio * (high - low);
      leftLoss = loss(left);
    } else {
      low = left;
      left = right;
      leftLoss = rightLoss;
      right = low + ratio * (high - low);
      rightLoss = loss(right);
    }
  }
  const logTemperature = (low + high) / 2;
  // Within 1e-6 (in log T) of a bound: the bound, not an interior minimum.
  const atBound =
    logTemperature - Math.log(minimum) < 1e-6
      ? 'lower'
      : Math.log(maximum) - logTemperature < 1e-6
        ? 'upper'
        : undefined;
  const temperature = Math.exp(logTemperature);
  return {
    temperature,
    negativeLogLikelihood: {
      before: meanNegativeLogLikelihood(logits, labels, classes, 1),
      after: loss(logTemperature),
    },
    ...(atBound ? { atBound } : {}),
  };
}

/** Mean NLL of `softmax(logits / temperature)`, in float64 with the max-shifted logsumexp. */
export function meanNegativeLogLikelihood(
  logits: Float32Array | readonly number[],
  labels: ArrayLike<number>,
  classes: number,
  temperature: number,
): number {
  let total = 0;
  for (let row = 0; row < labels.length; row++) {
    const offset = row * classes;
    let largest = -Infinity;
    for (let column = 0; column < classes; column++) {
      largest = Math.max(largest, (logits[offset + column] as number) / temperature);
    }
    let sum = 0;
    for (let column = 0; column < classes; column++) {
      sum += Math.exp((logits[offset + column] as number) / temperature - largest);
    }
    const label = labels[row] as number;
    total += largest + Math.log(sum) - (logits[offset + label] as number) / temperature;
  }
  return total / labels.length;
}

/** Row-wise `softmax(logits / temperature)` in float64, as a Float32Array. */
export function softmaxWithTemperature(
  logits: Float32Array | readonly number[],
  classes: number,
  temperature: number,
): Float32Array {
  const result = new Float32Array(logits.length);
  for (let offset = 0; offset < logits.length; offset += classes) {
    let largest = -Infinity;
    for (let column = 0; column < classes; column++) {
      largest = Math.max(largest, (logits[offset + column] as number) / temperature);
    }
    let sum = 0;
    for (let column = 0; column < classes; column++) {
      sum += Math.exp((logits[offset + column] as number) / temperature - largest);
    }
    for (let column = 0; column < classes; column++) {
      result[offset + column] =
        Math.exp((logits[offset + column] as number) / temperature - largest) / sum;
    }
  }
  return result;
}
