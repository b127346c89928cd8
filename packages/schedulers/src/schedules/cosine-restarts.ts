import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import {
  checkNonNegative,
  checkNotAbove,
  checkPositive,
  checkPositiveInteger,
} from '../validate.js';

/** Options of {@link cosineRestartsSchedule}. */
export interface CosineRestartsScheduleOptions {
  /** Learning rate at the start of every cycle (> 0). */
  initialLearningRate: number;
  /** Length of the first cycle in steps (integer > 0), PyTorch's `T_0`. */
  firstCycleSteps: number;
  /** Each cycle is this many times longer than the previous (integer >= 1), PyTorch's `T_mult`. Default 1. */
  cycleMultiplier?: number;
  /** Floor of every cycle (>= 0, <= initialLearningRate), PyTorch's `eta_min`. Default 0. */
  minLearningRate?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017), PyTorch's
 * `CosineAnnealingWarmRestarts`: the rate follows a half cosine from `initialLearningRate` to
 * `minLearningRate` over a cycle, then jumps back up; cycle `i` lasts `firstCycleSteps · cycleMultiplier^i`.
 */
export function cosineRestartsSchedule(options: CosineRestartsScheduleOptions): Schedule {
  const { initialLearningRate, firstCycleSteps } = options;
  const cycleMultiplier = options.cycleMultiplier ?? 1;
  const minLearningRate = options.minLearningRate ?? 0;
  checkPositive('initialLearningRate', initialLearningRate);
  checkPositiveInteger('firstCycleSteps', firstCycleSteps);
  checkPositiveInteger('cycleMultiplier', cycleMultiplier);
  checkNonNegative('minLearningRate', minLearningRate);
  checkNotAbove({
    argument: 'minLearningRate',
    value: minLearningRate,
    limitName: 'initialLearningRate',
    limit: initialLearningRate,
  });
  return makeSchedule({
    name: 'cosine-restarts',
    learningRateAt: (step) => {
      // Walk the cycles with integer arithmetic (as PyTorch's step() does) rather than a
      // logarithm, which misplaces cycle boundaries by rounding.
      let position = step;
      let cycleLength = firstCycleSteps;
      if (cycleMultiplier === 1) {
        position = step % firstCycleSteps;
      } else {
        while (position >= cycleLength) {
          position -= cycleLength;
          cycleLength *= cycleMultiplier;
        }
      }
      return (
        minLearningRate +
        ((initialLearningRate - minLearningRate) *
          (1 + Math.cos((Math.PI * position) / cycleLength))) /
          2
      );
    },
    config: {
      name: 'cosine-restarts',
      initialLearningRate,
      firstCycleSteps,
      cycleMultiplier,
      minLearningRate,
    },
  });
}

export const cosineRestartsDescriptor: ScheduleDescriptor = {
  name: 'cosine-restarts',
  description: 'Cosine annealing with warm restarts, SGDR (PyTorch CosineAnnealingWarmRestarts).',
  fromConfig: (config) =>
    cosineRestartsSchedule(optionsOf(config) as unknown as CosineRestartsScheduleOptions),
};
