import { InvalidArgumentError } from '@graft/core';

// The shared checks live in @graft/core; re-exported so schedules import their checks from one place.
export {
  checkBoolean,
  checkNonNegative,
  checkNonNegativeInteger,
  checkOneOf,
  checkOpenInterval,
  checkPositive,
  checkPositiveInteger,
} from '@graft/core';

/** Throws when a lower bound exceeds the upper one ("min > max"), naming the lower bound. */
export function checkNotAbove(options: {
  /** Name of the lower bound, e.g. `minLearningRate`. */
  argument: string;
  /** Its value. */
  value: number;
  /** Name of the upper bound, e.g. `initialLearningRate`. */
  limitName: string;
  /** Its value. */
  limit: number;
}): void {
  if (options.value > options.limit) {
    throw new InvalidArgumentError({
      argument: options.argument,
      value: options.value,
      expected: `must be <= ${options.limitName} (${options.limit})`,
    });
  }
}

/** Throws unless `step` is a finite number >= 0 (steps are 0-based). */
export function checkStep(step: unknown): asserts step is number {
  if (!(typeof step === 'number' && Number.isFinite(step) && step >= 0)) {
    throw new InvalidArgumentError({
      argument: 'step',
      value: step,
      expected: 'must be a finite number >= 0 (the 0-based optimiser step)',
    });
  }
}
