import type { JsonObject, Schedule, ScheduleConfig } from '@graft/core';
import { checkStep } from './validate.js';

/** Builds a {@link Schedule} from a pure step function, validating each step it is asked for. */
export function makeSchedule(options: {
  /** Registered name. */
  name: string;
  /** Learning rate at a validated 0-based step. */
  learningRateAt: (step: number) => number;
  /** The configuration; copied so callers cannot mutate the schedule through it. */
  config: ScheduleConfig;
  /** Metric hook for reactive schedules. */
  observe?: (metric: number, step: number) => void;
  /** Mutable state of reactive schedules. */
  getState?: () => JsonObject;
  /** Restores {@link getState}. */
  setState?: (state: JsonObject) => void;
}): Schedule {
  const frozen = JSON.stringify(options.config);
  const schedule = (step: number): number => {
    checkStep(step);
    return options.learningRateAt(step);
  };
  // A function's `name` is read-only; define it instead of assigning.
  Object.defineProperty(schedule, 'name', { value: options.name });
  const extras: Partial<Schedule> = {
    getConfig: () => JSON.parse(frozen) as ScheduleConfig,
  };
  if (options.observe) extras.observe = options.observe;
  if (options.getState) extras.getState = options.getState;
  if (options.setState) extras.setState = options.setState;
  return Object.assign(schedule, extras) as Schedule;
}

/** Drops `name` from a config so the rest can be passed to a factory as its options. */
export function optionsOf(config: ScheduleConfig): Record<string, unknown> {
  const { name: _name, ...rest } = config;
  return rest;
}
