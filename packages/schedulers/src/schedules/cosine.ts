import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import {
  checkNonNegative,
  checkNotAbove,
  checkPositive,
  checkPositiveInteger,
} from '../validate.js';

/** Options of {@link cosineSchedule}. */
export interface CosineScheduleOptions {
  /** Learning rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Steps of the half cosine (integer > 0), PyTorch's `T_max`. */
  totalSteps: number;
  /** The floor reached at `totalSteps` (>= 0, <= initialLearningRate), PyTorch's `eta_min`. Default 0. */
  minLearningRate?: number;
}

/**
 * `min + (initial - min) · (1 + cos(π · step / totalSteps)) / 2`, PyTorch's `CosineAnnealingLR`
 * for steps up to `totalSteps`; after that it stays at the floor (PyTorch would climb back up).
 */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const { initialLearningRate, totalSteps } = options;
  const minLearningRate = options.minLearningRate ?? 0;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositiveInteger('totalSteps', totalSteps);
  checkNonNegative('minLearningRate', minLearningRate);
  checkNotAbove({
    argument: 'minLearningRate',
    value: minLearningRate,
    limitName: 'initialLearningRate',
    limit: initialLearningRate,
  });
  return makeSchedule({
    name: 'cosine',
    learningRateAt: (step) =>
      minLearningRate +
      ((initialLearningRate - minLearningRate) *
        (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps))) /
        2,
    config: { name: 'cosine', initialLearningRate, totalSteps, minLearningRate },
  });
}

export const cosineDescriptor: ScheduleDescriptor = {
  name: 'cosine',
  description: 'Half-cosine decay to a floor over totalSteps (PyTorch CosineAnnealingLR).',
  fromConfig: (config) => cosineSchedule(optionsOf(config) as unknown as CosineScheduleOptions),
};
