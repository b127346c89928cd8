import { InvalidArgumentError, type Schedule, type ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkPositive } from '../validate.js';

/** Options of {@link multiStepSchedule}. */
export interface MultiStepScheduleOptions {
  /** Learning rate at step 0 (> 0). */
  initialLearningRate: number;
  /** Steps at which the rate is multiplied by `gamma`: strictly increasing integers > 0. */
  milestones: number[];
  /** Multiplier applied at each milestone (> 0). Default 0.1. */
  gamma?: number;
}

/** `initialLearningRate · gamma^(milestones reached)`, PyTorch's `MultiStepLR`. */
export function multiStepSchedule(options: MultiStepScheduleOptions): Schedule {
  const { initialLearningRate, milestones } = options;
  const gamma = options.gamma ?? 0.1;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositive('gamma', gamma);
  const valid =
    Array.isArray(milestones) &&
    milestones.length > 0 &&
    milestones.every(
      (milestone, index) =>
        Number.isInteger(milestone) &&
        milestone > 0 &&
        (index === 0 || milestone > (milestones[index - 1] as number)),
    );
  if (!valid) {
    throw new InvalidArgumentError({
      argument: 'milestones',
      value: milestones,
      expected: 'must be a non-empty list of strictly increasing integers > 0',
    });
  }
  const copy = [...milestones];
  return makeSchedule({
    name: 'multi-step',
    learningRateAt: (step) => {
      const reached = copy.filter((milestone) => milestone <= step).length;
      return initialLearningRate * gamma ** reached;
    },
    config: { name: 'multi-step', initialLearningRate, milestones: copy, gamma },
  });
}

export const multiStepDescriptor: ScheduleDescriptor = {
  name: 'multi-step',
  description: 'Multiplies the learning rate by gamma at each milestone (PyTorch MultiStepLR).',
  fromConfig: (config) =>
    multiStepSchedule(optionsOf(config) as unknown as MultiStepScheduleOptions),
};
