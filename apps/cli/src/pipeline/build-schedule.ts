import type { Schedule, ScheduleConfig } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { createSchedule, listSchedules } from '@graft/schedulers';
import { parseNamedOptions } from '../config/parse-named-options.js';

/** Options of {@link scheduleConfigFor}. */
export interface ScheduleConfigOptions {
  /**
   * `--schedule`: a registered name (`cosine`), a name with overrides
   * (`cosine:minLearningRate=1e-5,totalSteps=500`), or a JSON config (`{"name":"step",...}`).
   */
  schedule: string;
  /** `--lr`: the peak (or initial) learning rate. */
  learningRate: number;
  /** Optimiser steps per epoch. */
  stepsPerEpoch: number;
  /** Epochs of the run. */
  epochs: number;
}

/**
 * Turns `--schedule` and `--lr` into a schedule config, filling each kind's required fields from
 * the run's length (cosine and one-cycle span the whole run, step decays every third of it, …)
 * so `--schedule cosine` alone works. Explicit overrides and JSON configs win.
 */
export function scheduleConfigFor(options: ScheduleConfigOptions): ScheduleConfig {
  const { learningRate, stepsPerEpoch, epochs } = options;
  const { name, options: overrides } = parseNamedOptions({
    argument: '--schedule',
    text: options.schedule,
    example: 'cosine:minLearningRate=1e-5',
  });
  const valid = listSchedules();
  if (!valid.includes(name)) {
    throw new InvalidArgumentError({
      argument: '--schedule',
      value: name,
      expected: `must be one of: ${valid.join(', ')}`,
    });
  }
  const totalSteps = Math.max(1, stepsPerEpoch * epochs);
  const third = Math.max(1, stepsPerEpoch * Math.max(1, Math.floor(epochs / 3)));
  const defaults: Record<string, Record<string, unknown>> = {
    constant: { learningRate },
    step: { initialLearningRate: learningRate, stepSize: third, gamma: 0.1 },
    'multi-step': {
      initialLearningRate: learningRate,
      milestones: [
        Math.max(1, Math.floor(totalSteps / 2)),
        Math.max(2, Math.floor((totalSteps * 3) / 4)),
      ],
    },
    exponential: { initialLearningRate: learningRate, gamma: 0.01 ** (1 / totalSteps) },
    polynomial: { initialLearningRate: learningRate, totalSteps },
    cosine: { initialLearningRate: learningRate, totalSteps },
    'cosine-restarts': { initialLearningRate: learningRate, firstCycleSteps: third },
    'one-cycle': { maxLearningRate: learningRate, totalSteps },
    cyclic: {
      baseLearningRate: learningRate / 10,
      maxLearningRate: learningRate,
      stepSizeUp: Math.max(1, stepsPerEpoch * 2),
    },
    'reduce-on-plateau': { initialLearningRate: learningRate },
    warmup: {
      schedule: { name: 'cosine', initialLearningRate: learningRate, totalSteps },
      warmupSteps: Math.max(1, stepsPerEpoch),
      startFactor: 0.1,
    },
  };
  return { ...(defaults[name] ?? {}), ...overrides, name } as ScheduleConfig;
}

/** Builds the schedule of {@link scheduleConfigFor}. */
export function buildSchedule(options: ScheduleConfigOptions): Schedule {
  return createSchedule(scheduleConfigFor(options));
}
