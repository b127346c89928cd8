import { InvalidArgumentError } from '@graft/core';

// Shared checks (positive integers, choices, …) come from @graft/core; these two are heads' own.

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
