import {
  InvalidArgumentError,
  type Schedule,
  type ScheduleConfig,
  type ScheduleDescriptor,
} from '@graft/core';
import { makeSchedule } from '../make-schedule.js';
import { checkPositiveInteger } from '../validate.js';

/** Options of `warmupSchedule` (and {@link linearWarmup}). */
export interface WarmupScheduleOptions {
  /** The schedule that runs after the warm-up (a schedule or its config). */
  schedule: Schedule | ScheduleConfig;
  /** Steps of linear warm-up (integer > 0). */
  warmupSteps: number;
  /** Rate at step 0 as a fraction of the wrapped schedule's step-0 rate, in [0, 1]. Default 0. */
  startFactor?: number;
  /**
   * Length of the whole run in steps, when known: only checked, so that a warm-up as long as the
   * run is an error instead of a run that never leaves the warm-up.
   */
  totalSteps?: number;
}

/** Turns a nested schedule config into a schedule: the registry's `createSchedule`. */
export type CreateInnerSchedule = (config: ScheduleConfig) => Schedule;

/** `warmupSchedule` (see its doc), with the factory for a nested schedule config passed in. */
export function linearWarmup(
  options: WarmupScheduleOptions,
  createInner: CreateInnerSchedule,
): Schedule {
  const { warmupSteps, totalSteps } = options;
  const startFactor = options.startFactor ?? 0;
  checkPositiveInteger('warmupSteps', warmupSteps);
  if (!(typeof startFactor === 'number' && startFactor >= 0 && startFactor <= 1)) {
    throw new InvalidArgumentError({
      argument: 'startFactor',
      value: startFactor,
      expected: 'must be in [0, 1]',
    });
  }
  if (totalSteps !== undefined) {
    checkPositiveInteger('totalSteps', totalSteps);
    if (warmupSteps >= totalSteps) {
      throw new InvalidArgumentError({
        argument: 'warmupSteps',
        value: warmupSteps,
        expected: `must be < totalSteps (${totalSteps}): the warm-up would last the whole run`,
      });
    }
  }
  const inner = resolveInner(options.schedule, createInner);
  const innerConfig = inner.getConfig();
  const target = inner(0);
  return makeSchedule({
    name: 'warmup',
    learningRateAt: (step) =>
      step < warmupSteps
        ? target * (startFactor + ((1 - startFactor) * step) / warmupSteps)
        : inner(step - warmupSteps),
    config: {
      name: 'warmup',
      schedule: innerConfig,
      warmupSteps,
      startFactor,
      ...(totalSteps === undefined ? {} : { totalSteps }),
    },
  });
}

function resolveInner(
  schedule: Schedule | ScheduleConfig,
  createInner: CreateInnerSchedule,
): Schedule {
  if (typeof schedule === 'function') return schedule;
  if (schedule !== null && typeof schedule === 'object' && typeof schedule.name === 'string') {
    return createInner(schedule);
  }
  throw new InvalidArgumentError({
    argument: 'schedule',
    value: schedule,
    expected: 'must be a schedule or a schedule config ({ name, ... })',
  });
}

/**
 * The `warmup` descriptor. It wraps another schedule, so the registry hands it the factory for
 * the nested config instead of this module importing the registry that lists it.
 */
export function warmupDescriptor(createInner: CreateInnerSchedule): ScheduleDescriptor {
  return {
    name: 'warmup',
    description: 'Linear warm-up in front of any other schedule.',
    fromConfig: (config) => {
      const { name: _name, ...rest } = config;
      return linearWarmup(rest as unknown as WarmupScheduleOptions, createInner);
    },
  };
}
