import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkPositive } from '../validate.js';

/** Options of {@link exponentialSchedule}. */
export interface ExponentialScheduleOptions {
  /** Learning rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Multiplier applied every step (> 0; < 1 decays). */
  gamma: number;
}

/** `initialLearningRate · gamma^step`, PyTorch's `ExponentialLR`. */
export function exponentialSchedule(options: ExponentialScheduleOptions): Schedule {
  const { initialLearningRate, gamma } = options;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositive('gamma', gamma);
  return makeSchedule({
    name: 'exponential',
    learningRateAt: (step) => initialLearningRate * gamma ** step,
    config: { name: 'exponential', initialLearningRate, gamma },
  });
}

export const exponentialDescriptor: ScheduleDescriptor = {
  name: 'exponential',
  description: 'Multiplies the learning rate by gamma every step (PyTorch ExponentialLR).',
  fromConfig: (config) =>
    exponentialSchedule(optionsOf(config) as unknown as ExponentialScheduleOptions),
};
