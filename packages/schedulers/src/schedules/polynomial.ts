import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import {
  checkNonNegative,
  checkNotAbove,
  checkPositive,
  checkPositiveInteger,
} from '../validate.js';

/** Options of {@link polynomialSchedule}. */
export interface PolynomialScheduleOptions {
  /** Learning rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Steps over which the rate decays (integer > 0); it stays at `endLearningRate` after. */
  totalSteps: number;
  /** Exponent of the decay (> 0). Default 1 (linear). */
  power?: number;
  /** Rate reached at `totalSteps` (>= 0, <= initialLearningRate). Default 0, as in PyTorch. */
  endLearningRate?: number;
}

/**
 * `(initial - end) · (1 - min(step, totalSteps) / totalSteps)^power + end`: PyTorch's
 * `PolynomialLR` when `endLearningRate` is 0, Keras's `PolynomialDecay` otherwise.
 */
export function polynomialSchedule(options: PolynomialScheduleOptions): Schedule {
  const { initialLearningRate, totalSteps } = options;
  const power = options.power ?? 1;
  const endLearningRate = options.endLearningRate ?? 0;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositiveInteger('totalSteps', totalSteps);
  checkPositive('power', power);
  checkNonNegative('endLearningRate', endLearningRate);
  checkNotAbove({
    argument: 'endLearningRate',
    value: endLearningRate,
    limitName: 'initialLearningRate',
    limit: initialLearningRate,
  });
  return makeSchedule({
    name: 'polynomial',
    learningRateAt: (step) =>
      (initialLearningRate - endLearningRate) *
        (1 - Math.min(step, totalSteps) / totalSteps) ** power +
      endLearningRate,
    config: { name: 'polynomial', initialLearningRate, totalSteps, power, endLearningRate },
  });
}

export const polynomialDescriptor: ScheduleDescriptor = {
  name: 'polynomial',
  description: 'Polynomial decay to an end rate over totalSteps (PyTorch PolynomialLR).',
  fromConfig: (config) =>
    polynomialSchedule(optionsOf(config) as unknown as PolynomialScheduleOptions),
};
