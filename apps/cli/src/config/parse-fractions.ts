import { InvalidArgumentError } from '@graft/core';
import { parsePositiveNumber } from './parse-values.js';

/** A number in [0, 1). */
export function parseFraction(name: string, value: unknown): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!(Number.isFinite(number) && number >= 0 && number < 1) || value === '') {
    throw new InvalidArgumentError({
      argument: name,
      value,
      expected: 'must be a number in [0, 1)',
    });
  }
  return number;
}

/** A learning-rate factor in (0, 1]: larger would train the backbone faster than the head. */
export function parseUnitFactor(name: string, value: unknown): number {
  const factor = parsePositiveNumber(name, value);
  if (factor > 1) {
    throw new InvalidArgumentError({ argument: name, value, expected: 'must be in (0, 1]' });
  }
  return factor;
}
