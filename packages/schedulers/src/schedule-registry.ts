import {
  InvalidArgumentError,
  type RegisterOptions,
  Registry,
  type Schedule,
  type ScheduleConfig,
  type ScheduleDescriptor,
} from '@graft/core';
import { constantDescriptor } from './schedules/constant.js';
import { cosineDescriptor } from './schedules/cosine.js';
import { cosineRestartsDescriptor } from './schedules/cosine-restarts.js';
import { cyclicDescriptor } from './schedules/cyclic.js';
import { exponentialDescriptor } from './schedules/exponential.js';
import { warmupDescriptor } from './schedules/linear-warmup.js';
import { multiStepDescriptor } from './schedules/multi-step.js';
import { oneCycleDescriptor } from './schedules/one-cycle.js';
import { polynomialDescriptor } from './schedules/polynomial.js';
import { reduceOnPlateauDescriptor } from './schedules/reduce-on-plateau.js';
import { stepDescriptor } from './schedules/step.js';

const registry = new Registry<ScheduleDescriptor>({ kind: 'schedule' });
let builtinsRegistered = false;

/**
 * Registers the built-in schedules on first use rather than at import, so importing the package
 * has no side effects (`sideEffects: false`) and a user's earlier registration of the same name
 * is kept.
 */
function scheduleRegistry(): Registry<ScheduleDescriptor> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    const builtins = [
      constantDescriptor,
      stepDescriptor,
      multiStepDescriptor,
      exponentialDescriptor,
      polynomialDescriptor,
      cosineDescriptor,
      cosineRestartsDescriptor,
      warmupDescriptor(createSchedule),
      oneCycleDescriptor,
      cyclicDescriptor,
      reduceOnPlateauDescriptor,
    ];
    for (const descriptor of builtins) {
      if (!registry.has(descriptor.name)) registry.register(descriptor.name, descriptor);
    }
  }
  return registry;
}

/** Adds a schedule kind; `createSchedule({ name, ... })` then builds it. */
export function registerSchedule(descriptor: ScheduleDescriptor, options?: RegisterOptions): void {
  scheduleRegistry().register(descriptor.name, descriptor, options);
}

/** Registered schedule kinds, sorted; `pattern` filters with `*` wildcards. */
export function listSchedules(pattern?: string): string[] {
  return scheduleRegistry().names(pattern);
}

/** The descriptor registered as `name`; throws `UnknownNameError` listing the valid names. */
export function getScheduleDescriptor(name: string): ScheduleDescriptor {
  return scheduleRegistry().get(name);
}

/**
 * Builds a schedule from its config (`schedule.getConfig()` or JSON from a file):
 * `createSchedule({ name: 'cosine', initialLearningRate: 0.01, totalSteps: 1000 })`.
 */
export function createSchedule(config: ScheduleConfig): Schedule {
  if (config === null || typeof config !== 'object' || typeof config.name !== 'string') {
    throw new InvalidArgumentError({
      argument: 'config',
      value: config,
      expected: `must be an object with a schedule name (one of: ${listSchedules().join(', ')})`,
    });
  }
  return scheduleRegistry().get(config.name).fromConfig(config);
}

/** Alias of {@link createSchedule}, named like Keras's `from_config`. */
export const scheduleFromConfig = createSchedule;
