import { InvalidArgumentError } from '@graft/core';

/** Parses a whole number within bounds; `name` is the flag shown in the error, e.g. `--epochs`. */
export function parseInteger(
  name: string,
  value: unknown,
  bounds: { minimum?: number; maximum?: number } = {},
): number {
  const number = typeof value === 'number' ? value : Number(String(value).trim());
  const range = describeRange(bounds);
  if (typeof value === 'boolean' || String(value).trim() === '' || !Number.isInteger(number)) {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: `must be a whole number${range}`,
    });
  }
  if (
    (bounds.minimum !== undefined && number < bounds.minimum) ||
    (bounds.maximum !== undefined && number > bounds.maximum)
  ) {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: `must be a whole number${range}`,
    });
  }
  return number;
}

/** Parses a finite number strictly greater than `exclusiveMinimum` (default 0). */
export function parsePositiveNumber(name: string, value: unknown, exclusiveMinimum = 0): number {
  const number = typeof value === 'number' ? value : Number(String(value).trim());
  if (typeof value === 'boolean' || String(value).trim() === '' || !Number.isFinite(number)) {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: 'must be a number, e.g. 0.001',
    });
  }
  if (number <= exclusiveMinimum) {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: `must be > ${exclusiveMinimum}`,
    });
  }
  return number;
}

/** Checks that `value` is one of `choices` and lists them when it is not. */
export function parseChoice<const Choice extends string>(
  name: string,
  value: unknown,
  choices: readonly Choice[],
): Choice {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) {
    return value as Choice;
  }
  throw new InvalidArgumentError({
    argument: name,
    value,
    expected: `must be one of: ${choices.join(', ')}`,
  });
}

/** Parses a non-empty string. */
export function parseText(name: string, value: unknown): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  throw new InvalidArgumentError({ argument: name, value, expected: 'must be a non-empty text' });
}

/**
 * Parses split fractions "train,val[,test]" (e.g. `0.8,0.1,0.1`): each in [0, 1], train > 0,
 * summing to 1 (within 1e-6). A config file may give an array instead.
 */
export function parseSplit(name: string, value: unknown): [number, number, number] {
  const parts = Array.isArray(value) ? value.map(Number) : String(value).split(',').map(Number);
  const expected = 'must be 2 or 3 fractions "train,val[,test]" summing to 1, e.g. 0.8,0.1,0.1';
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !Number.isFinite(part))) {
    throw new InvalidArgumentError({ argument: name, value, expected });
  }
  const [train = 0, validation = 0, test = 0] = parts;
  if (
    [train, validation, test].some((part) => part < 0 || part > 1) ||
    train <= 0 ||
    Math.abs(train + validation + test - 1) > 1e-6
  ) {
    throw new InvalidArgumentError({ argument: name, value, expected });
  }
  return [train, validation, test];
}

/**
 * Parses a value range "min,max" (e.g. `-1,1` or `0,255`) with min < max. A config file may give
 * an array instead.
 */
export function parseRange(name: string, value: unknown): [number, number] {
  const parts = Array.isArray(value) ? value.map(Number) : String(value).split(',').map(Number);
  const [minimum = Number.NaN, maximum = Number.NaN] = parts;
  if (
    parts.length !== 2 ||
    !Number.isFinite(minimum) ||
    !Number.isFinite(maximum) ||
    minimum >= maximum
  ) {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: 'must be two numbers "min,max" with min < max, e.g. -1,1 or 0,1 or 0,255',
    });
  }
  return [minimum, maximum];
}

/** Parses a boolean from a config file or a flag value ("true", "false", "1", "0", "yes", "no"). */
export function parseBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  throw new InvalidArgumentError({ argument: name, value, expected: 'must be true or false' });
}

function describeRange(bounds: { minimum?: number; maximum?: number }): string {
  if (bounds.minimum !== undefined && bounds.maximum !== undefined)
    return ` from ${bounds.minimum} to ${bounds.maximum}`;
  if (bounds.minimum !== undefined) return ` ≥ ${bounds.minimum}`;
  if (bounds.maximum !== undefined) return ` ≤ ${bounds.maximum}`;
  return '';
}
