import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

// The argument checks every package needs; each throws InvalidArgumentError naming the argument,
// the value received and what would be valid, so option validation reads the same everywhere.

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

/** Throws unless `value` is an integer (e.g. a seed). */
export function checkInteger(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isInteger(value))) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer' });
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

/** Throws unless `value` is a number in the half-open interval [0, 1) (a rate or fraction). */
export function checkFraction(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && value >= 0 && value < 1)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a number in [0, 1)' });
  }
}

/** Throws unless `value` is a number in the open interval (low, high). */
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

/** Throws unless `value` is a boolean. */
export function checkBoolean(argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError({ argument, value, expected: 'must be true or false' });
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
