import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkPositive, checkPositiveInteger } from '../validate.js';

/** Options of {@link stepSchedule}. */
export interface StepScheduleOptions {
  /** Learning rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Steps between two decays (integer > 0). PyTorch's `step_size`. */
  stepSize: number;
  /** Multiplier applied every `stepSize` steps (> 0). Default 0.1. */
  gamma?: number;
}

/** `initialLearningRate · gamma^floor(step / stepSize)`, PyTorch's `StepLR`. */
export function stepSchedule(options: StepScheduleOptions): Schedule {
  const { initialLearningRate, stepSize } = options;
  const gamma = options.gamma ?? 0.1;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositiveInteger('stepSize', stepSize);
  checkPositive('gamma', gamma);
  return makeSchedule({
    name: 'step',
    learningRateAt: (step) => initialLearningRate * gamma ** Math.floor(step / stepSize),
    config: { name: 'step', initialLearningRate, stepSize, gamma },
  });
}

export const stepDescriptor: ScheduleDescriptor = {
  name: 'step',
  description: 'Multiplies the learning rate by gamma every stepSize steps (PyTorch StepLR).',
  fromConfig: (config) => stepSchedule(optionsOf(config) as unknown as StepScheduleOptions),
};
