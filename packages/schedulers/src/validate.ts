import { InvalidArgumentError } from '@graft/core';

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a finite number > 0' });
  }
}

/** Throws unless `value` is a finite number >= 0. */
export function checkNonNegative(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a finite number >= 0' });
  }
}

/** Throws unless `value` is an integer > 0. */
export function checkPositiveInteger(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer > 0' });
  }
}

/** Throws unless `value` is an integer >= 0. */
export function checkNonNegativeInteger(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer >= 0' });
  }
}

/** Throws unless `value` is a finite number in the open interval (low, high). */
export function checkOpenInterval(
  argument: string,
  value: unknown,
  low: number,
  high: number,
): asserts value is number {
  if (!(typeof value === 'number' && value > low && value < high)) {
    throw new InvalidArgumentError({ argument, value, expected: `must be in (${low}, ${high})` });
  }
}

/** Throws unless `value` is one of `choices`. */
export function checkOneOf<T extends string>(
  argument: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (!choices.includes(value as T)) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: `must be one of: ${choices.join(', ')}`,
    });
  }
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError({ argument, value, expected: 'must be true or false' });
  }
}

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
