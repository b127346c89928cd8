/**
 * Exponentially weighted moving average with bias correction (Adam's, fast.ai's): the early
 * values are not pulled towards zero. `smoothing` is the weight of the past, in [0, 1).
 */
export function smoothLosses(losses: readonly number[], smoothing: number): number[] {
  let average = 0;
  return losses.map((loss, index) => {
    average = smoothing * average + (1 - smoothing) * loss;
    return average / (1 - smoothing ** (index + 1));
  });
}

/**
 * Index of the steepest descent of `losses` against log(learning rate), ignoring the first
 * `skipStart` and last `skipEnd` points (the start is noise, the end is the blow-up). Gradients
 * are central differences, one-sided at the ends, like `numpy.gradient`; on an exponential
 * learning-rate ramp log(lr) is evenly spaced, so the index gradient has the same arg-min.
 * `undefined` when fewer than 3 points remain or the loss never falls.
 */
export function steepestDescentIndex(options: {
  /** Smoothed losses, one per learning rate. */
  losses: readonly number[];
  /** Points ignored at the start. */
  skipStart: number;
  /** Points ignored at the end. */
  skipEnd: number;
}): number | undefined {
  const first = options.skipStart;
  const last = options.losses.length - 1 - options.skipEnd;
  if (last - first < 2) return undefined;
  const window = options.losses.slice(first, last + 1);
  let bestIndex: number | undefined;
  let bestGradient = 0;
  window.forEach((_, index) => {
    const before = window[Math.max(index - 1, 0)] as number;
    const after = window[Math.min(index + 1, window.length - 1)] as number;
    const span = Math.min(index + 1, window.length - 1) - Math.max(index - 1, 0);
    const gradient = (after - before) / span;
    if (gradient < bestGradient) {
      bestGradient = gradient;
      bestIndex = index;
    }
  });
  return bestIndex === undefined ? undefined : bestIndex + first;
}

/** `steps` learning rates growing geometrically from `start` to `end` (both included). */
export function exponentialRamp(start: number, end: number, steps: number): number[] {
  if (steps === 1) return [start];
  return Array.from(
    { length: steps },
    (_, index) => start * (end / start) ** (index / (steps - 1)),
  );
}

/**
 * How many steps the bias-corrected moving average at `index` lags behind the raw losses: the
 * mean age of its weights, `Σ k·(1-β)·β^k / (1-β^(index+1))` for `k = 0..index`. It grows from 0
 * to `β / (1-β)` (9 steps for β = 0.9).
 */
export function smoothingLag(index: number, smoothing: number): number {
  if (smoothing === 0) return 0;
  let weighted = 0;
  let total = 0;
  let weight = 1 - smoothing;
  for (let age = 0; age <= index; age++) {
    weighted += age * weight;
    total += weight;
    weight *= smoothing;
  }
  return weighted / total;
}
