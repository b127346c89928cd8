import { InvalidArgumentError } from '@graft/core';

/** A closed interval `[min, max]`. */
export type Range = [number, number];

/** A finite number, or throws naming `argument`. */
export function finiteNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a finite number' });
  }
  return value;
}

/** A probability in [0, 1]. */
export function probability(argument: string, value: unknown): number {
  const number = finiteNumber(argument, value);
  if (number < 0 || number > 1) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: 'must be a probability in [0, 1]',
    });
  }
  return number;
}

/** An integer in `[min, max]`. */
export function integer(argument: string, value: unknown, min: number, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected:
        max === Infinity
          ? `must be an integer >= ${min}`
          : `must be an integer in [${min}, ${max}]`,
    });
  }
  return value;
}

/** A number in `[min, max]`. */
export function numberIn(argument: string, value: unknown, min: number, max: number): number {
  const number = finiteNumber(argument, value);
  if (number < min || number > max) {
    throw new InvalidArgumentError({ argument, value, expected: `must be in [${min}, ${max}]` });
  }
  return number;
}

/**
 * A `[min, max]` pair with `lower <= min <= max <= upper`. A single number `x` is read as
 * `symmetric(x)` when `symmetric` is given (e.g. `15` degrees → `[-15, 15]`).
 */
export function range(
  argument: string,
  value: unknown,
  bounds: { lower?: number; upper?: number; symmetric?: (value: number) => Range } = {},
): Range {
  const lower = bounds.lower ?? -Infinity;
  const upper = bounds.upper ?? Infinity;
  let pair: unknown = value;
  if (typeof value === 'number' && bounds.symmetric) pair = bounds.symmetric(value);
  const expected =
    `must be [min, max] with ${lower === -Infinity ? '' : `${lower} <= `}min <= max` +
    `${upper === Infinity ? '' : ` <= ${upper}`}` +
    (bounds.symmetric ? ', or a single number' : '');
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((item) => typeof item === 'number' && Number.isFinite(item))
  ) {
    throw new InvalidArgumentError({ argument, value, expected });
  }
  const [min, max] = pair as Range;
  if (min > max || min < lower || max > upper) {
    throw new InvalidArgumentError({ argument, value, expected });
  }
  return [min, max];
}

/** `[height, width]` in pixels; a single number means a square. */
export function size(argument: string, value: unknown): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((item) => typeof item === 'number' && Number.isInteger(item) && item >= 1)
  ) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: 'must be [height, width] (positive integers) or a single positive integer',
    });
  }
  return [pair[0] as number, pair[1] as number];
}

/** One of `choices`. */
export function oneOf<T extends string>(
  argument: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: `must be one of: ${choices.join(', ')}`,
    });
  }
  return value as T;
}

/** Three finite numbers (one per RGB channel); a single number is used for all three. */
export function triple(
  argument: string,
  value: unknown,
  check: (item: number) => boolean = () => true,
  requirement = 'finite',
): [number, number, number] {
  const items = typeof value === 'number' ? [value, value, value] : value;
  if (
    !Array.isArray(items) ||
    items.length !== 3 ||
    !items.every((item) => typeof item === 'number' && Number.isFinite(item) && check(item))
  ) {
    throw new InvalidArgumentError({
      argument,
      value,
      expected: `must be a number or 3 numbers (R, G, B), each ${requirement}`,
    });
  }
  return items as [number, number, number];
}

/** Rejects option fields that the op does not know, so typos do not pass silently. */
export function knownFields(
  opName: string,
  options: Record<string, unknown>,
  fields: readonly string[],
): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError({
      argument: `${opName}.options`,
      value: options,
      expected: 'must be an object',
    });
  }
  for (const [key, value] of Object.entries(options)) {
    // `undefined` means "use the default", as if the field were absent.
    if (value === undefined || fields.includes(key)) continue;
    throw new InvalidArgumentError({
      argument: `${opName}.${key}`,
      value,
      expected: `is not an option of ${opName}; valid options: ${fields.join(', ')}`,
    });
  }
}
