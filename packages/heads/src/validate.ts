import { InvalidArgumentError } from '@graft/core';

/** Throws unless `value` is an integer > 0. */
export function checkPositiveInteger(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer > 0' });
  }
}

/** Throws unless `value` is a number in [0, 1). */
export function checkRate(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && value >= 0 && value < 1)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a number in [0, 1)' });
  }
}

/** Throws unless `value` is a finite integer (a seed). */
export function checkSeed(argument: string, value: unknown): asserts value is number {
  if (!(typeof value === 'number' && Number.isInteger(value))) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer' });
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

/** Throws unless `value` is a list of integers > 0 (possibly empty). */
export function checkLayerSizes(argument: string, value: unknown): asserts value is number[] {
  if (
    !(
      Array.isArray(value) &&
      value.every((size) => typeof size === 'number' && Number.isInteger(size) && size > 0)
    )
  ) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: 'must be a list of integers > 0 (empty for no hidden layer)',
    });
  }
}

/** Throws on an option the head does not know (a typo in a config file would otherwise be ignored). */
export function checkKnownKeys(options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError({
        argument: key,
        value: (options as Record<string, unknown>)[key],
        expected: `is not an option of this head (valid: ${known.join(', ')})`,
      });
    }
  }
}
