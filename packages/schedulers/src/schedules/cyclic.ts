import type { Schedule, ScheduleDescriptor } from '@graft/core';
import { makeSchedule, optionsOf } from '../make-schedule.js';
import { checkNotAbove, checkOneOf, checkPositive, checkPositiveInteger } from '../validate.js';

/** Options of {@link cyclicSchedule}. */
export interface CyclicScheduleOptions {
  /** Lower bound of the cycle (> 0, <= maxLearningRate), PyTorch's `base_lr`. */
  baseLearningRate: number;
  /** Upper bound of the cycle (> 0), PyTorch's `max_lr`. */
  maxLearningRate: number;
  /** Steps of the increasing half (integer > 0). Default 2000. */
  stepSizeUp?: number;
  /** Steps of the decreasing half (integer > 0). Default `stepSizeUp`. */
  stepSizeDown?: number;
  /**
   * `triangular` (constant amplitude), `triangular2` (amplitude halves each cycle) or `exp_range`
   * (amplitude scaled by `gamma^step`). Default `triangular`.
   */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** Decay base of `exp_range` (> 0). Default 1. */
  gamma?: number;
}

/** Cyclical learning rates (Smith 2017), PyTorch's `CyclicLR` (learning rate only). */
export function cyclicSchedule(options: CyclicScheduleOptions): Schedule {
  const { baseLearningRate, maxLearningRate } = options;
  const stepSizeUp = options.stepSizeUp ?? 2000;
  const stepSizeDown = options.stepSizeDown ?? stepSizeUp;
  const mode = options.mode ?? 'triangular';
  const gamma = options.gamma ?? 1;
  checkPositive('baseLearningRate', baseLearningRate);
  checkPositive('maxLearningRate', maxLearningRate);
  checkNotAbove({
    argument: 'baseLearningRate',
    value: baseLearningRate,
    limitName: 'maxLearningRate',
    limit: maxLearningRate,
  });
  checkPositiveInteger('stepSizeUp', stepSizeUp);
  checkPositiveInteger('stepSizeDown', stepSizeDown);
  checkOneOf('mode', mode, ['triangular', 'triangular2', 'exp_range'] as const);
  checkPositive('gamma', gamma);
  const totalSize = stepSizeUp + stepSizeDown;
  const stepRatio = stepSizeUp / totalSize;
  return makeSchedule({
    name: 'cyclic',
    learningRateAt: (step) => {
      const cycle = Math.floor(1 + step / totalSize);
      const position = 1 + step / totalSize - cycle;
      const scale = position <= stepRatio ? position / stepRatio : (position - 1) / (stepRatio - 1);
      const height = (maxLearningRate - baseLearningRate) * scale;
      const amplitude =
        mode === 'triangular' ? 1 : mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : gamma ** step;
      return baseLearningRate + height * amplitude;
    },
    config: {
      name: 'cyclic',
      baseLearningRate,
      maxLearningRate,
      stepSizeUp,
      stepSizeDown,
      mode,
      gamma,
    },
  });
}

export const cyclicDescriptor: ScheduleDescriptor = {
  name: 'cyclic',
  description: 'Cyclical learning rates between two bounds (PyTorch CyclicLR).',
  fromConfig: (config) => cyclicSchedule(optionsOf(config) as unknown as CyclicScheduleOptions),
};
