import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkPositive } from '../validate.js';

/** Options of {@link constantSchedule}. */
export interface ConstantScheduleOptions {
  /** The learning rate at every step (> 0). */
  learningRate: number;
}

/** The same learning rate at every step. */
export function constantSchedule(options: ConstantScheduleOptions): Schedule {
  const { learningRate } = options;
  checkPositive('learningRate', learningRate);
  return makeSchedule({
    name: 'constant',
    learningRateAt: () => learningRate,
    config: { name: 'constant', learningRate },
  });
}

export const constantDescriptor: ScheduleDescriptor = {
  name: 'constant',
  description: 'The same learning rate at every step.',
  fromConfig: (config) => constantSchedule(optionsOf(config) as unknown as ConstantScheduleOptions),
};
