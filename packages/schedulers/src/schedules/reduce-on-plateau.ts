import {
  InvalidArgumentError,
  type JsonObject,
  type Schedule,
  type ScheduleDescriptor,
} from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import {
  checkNonNegative,
  checkNonNegativeInteger,
  checkNotAbove,
  checkOneOf,
  checkOpenInterval,
  checkPositive,
} from '../validate.js';

/** Options of {@link reduceOnPlateauSchedule}. */
export interface ReduceOnPlateauScheduleOptions {
  /** Learning rate until the first reduction (> 0). */
  initialLearningRate: number;
  /** `min`: lower metric is better (a loss); `max`: higher is better (an accuracy). Default `min`. */
  mode?: 'min' | 'max';
  /** Multiplier of each reduction, in (0, 1). Default 0.1. */
  factor?: number;
  /** Observations without improvement tolerated before reducing (integer >= 0). Default 10. */
  patience?: number;
  /** Least change that counts as an improvement (>= 0). Default 1e-4. */
  threshold?: number;
  /** `rel`: relative to the best value; `abs`: absolute. Default `rel`. */
  thresholdMode?: 'rel' | 'abs';
  /** Observations to wait after a reduction before counting again (integer >= 0). Default 0. */
  cooldown?: number;
  /** Lower bound of the rate (>= 0, <= initialLearningRate). Default 0. */
  minLearningRate?: number;
  /** Reductions smaller than this are skipped (>= 0). Default 1e-8. */
  epsilon?: number;
}

interface PlateauState {
  learningRate: number;
  best: number;
  badObservations: number;
  cooldownCounter: number;
}

/**
 * Reduces the rate by `factor` when the monitored metric stops improving, PyTorch's
 * `ReduceLROnPlateau`. The trainer calls `observe(metric, step)` once per epoch; the schedule
 * returns the current rate whatever the step. Its counters are saved by `getState()`.
 */
export function reduceOnPlateauSchedule(options: ReduceOnPlateauScheduleOptions): Schedule {
  const { initialLearningRate } = options;
  const mode = options.mode ?? 'min';
  const factor = options.factor ?? 0.1;
  const patience = options.patience ?? 10;
  const threshold = options.threshold ?? 1e-4;
  const thresholdMode = options.thresholdMode ?? 'rel';
  const cooldown = options.cooldown ?? 0;
  const minLearningRate = options.minLearningRate ?? 0;
  const epsilon = options.epsilon ?? 1e-8;
  checkPositive('initialLearningRate', initialLearningRate);
  checkOneOf('mode', mode, ['min', 'max'] as const);
  checkOpenInterval('factor', factor, 0, 1);
  checkNonNegativeInteger('patience', patience);
  checkNonNegative('threshold', threshold);
  checkOneOf('thresholdMode', thresholdMode, ['rel', 'abs'] as const);
  checkNonNegativeInteger('cooldown', cooldown);
  checkNonNegative('minLearningRate', minLearningRate);
  checkNotAbove({
    argument: 'minLearningRate',
    value: minLearningRate,
    limitName: 'initialLearningRate',
    limit: initialLearningRate,
  });
  checkNonNegative('epsilon', epsilon);

  const worst = mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const state: PlateauState = {
    learningRate: initialLearningRate,
    best: worst,
    badObservations: 0,
    cooldownCounter: 0,
  };
  const isBetter = (value: number, best: number): boolean => {
    if (mode === 'min') {
      return thresholdMode === 'rel' ? value < best * (1 - threshold) : value < best - threshold;
    }
    return thresholdMode === 'rel' ? value > best * (1 + threshold) : value > best + threshold;
  };

  return makeSchedule({
    name: 'reduce-on-plateau',
    learningRateAt: () => state.learningRate,
    config: {
      name: 'reduce-on-plateau',
      initialLearningRate,
      mode,
      factor,
      patience,
      threshold,
      thresholdMode,
      cooldown,
      minLearningRate,
      epsilon,
    },
    observe(metric) {
      if (typeof metric !== 'number' || Number.isNaN(metric)) {
        throw new InvalidArgumentError({
          argument: 'metric',
          value: metric,
          expected: 'must be a number (the monitored value)',
        });
      }
      if (isBetter(metric, state.best)) {
        state.best = metric;
        state.badObservations = 0;
      } else {
        state.badObservations += 1;
      }
      if (state.cooldownCounter > 0) {
        state.cooldownCounter -= 1;
        state.badObservations = 0;
      }
      if (state.badObservations > patience) {
        const reduced = Math.max(state.learningRate * factor, minLearningRate);
        if (state.learningRate - reduced > epsilon) state.learningRate = reduced;
        state.cooldownCounter = cooldown;
        state.badObservations = 0;
      }
    },
    getState(): JsonObject {
      return {
        learningRate: state.learningRate,
        // JSON has no Infinity: `null` means nothing observed yet.
        best: Number.isFinite(state.best) ? state.best : null,
        badObservations: state.badObservations,
        cooldownCounter: state.cooldownCounter,
      };
    },
    setState(saved: JsonObject) {
      const { learningRate, best, badObservations, cooldownCounter } = saved;
      const valid =
        typeof learningRate === 'number' &&
        learningRate > 0 &&
        (best === null || typeof best === 'number') &&
        Number.isInteger(badObservations) &&
        Number.isInteger(cooldownCounter);
      if (!valid) {
        throw new InvalidArgumentError({
          argument: 'state',
          value: saved,
          expected:
            'must be { learningRate, best, badObservations, cooldownCounter } from getState()',
        });
      }
      state.learningRate = learningRate;
      state.best = best === null ? worst : (best as number);
      state.badObservations = badObservations as number;
      state.cooldownCounter = cooldownCounter as number;
    },
  });
}

export const reduceOnPlateauDescriptor: ScheduleDescriptor = {
  name: 'reduce-on-plateau',
  description:
    'Divides the learning rate when a monitored metric stops improving (PyTorch ReduceLROnPlateau).',
  fromConfig: (config) =>
    reduceOnPlateauSchedule(optionsOf(config) as unknown as ReduceOnPlateauScheduleOptions),
};
