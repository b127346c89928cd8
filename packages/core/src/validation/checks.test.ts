import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import {
  checkBoolean,
  checkFraction,
  checkInteger,
  checkNonNegative,
  checkNonNegativeInteger,
  checkOneOf,
  checkOpenInterval,
  checkPositive,
  checkPositiveInteger,
} from './checks.js';

describe('argument checks', () => {
  const cases: Array<[string, (value: unknown) => void, unknown[], unknown[], RegExp]> = [
    [
      'checkPositive',
      (v) => checkPositive('rate', v),
      [1e-9, 3],
      [0, -1, Number.NaN, Infinity, '1'],
      /> 0/,
    ],
    [
      'checkNonNegative',
      (v) => checkNonNegative('rate', v),
      [0, 2.5],
      [-1e-9, Number.NaN, Infinity],
      />= 0/,
    ],
    ['checkInteger', (v) => checkInteger('rate', v), [-3, 0, 7], [1.5, Number.NaN, '3'], /integer/],
    [
      'checkPositiveInteger',
      (v) => checkPositiveInteger('rate', v),
      [1, 9],
      [0, 1.5, -2],
      /integer > 0/,
    ],
    [
      'checkNonNegativeInteger',
      (v) => checkNonNegativeInteger('rate', v),
      [0, 4],
      [-1, 0.5],
      /integer >= 0/,
    ],
    [
      'checkFraction',
      (v) => checkFraction('rate', v),
      [0, 0.999],
      [1, -0.1, Number.NaN],
      /\[0, 1\)/,
    ],
    [
      'checkOpenInterval',
      (v) => checkOpenInterval('rate', v, 0, 1),
      [0.5],
      [0, 1, Number.NaN],
      /\(0, 1\)/,
    ],
    [
      'checkBoolean',
      (v) => checkBoolean('rate', v),
      [true, false],
      [0, 'true', undefined],
      /true or false/,
    ],
    [
      'checkOneOf',
      (v) => checkOneOf('rate', v, ['min', 'max']),
      ['min', 'max'],
      ['mean', undefined],
      /min, max/,
    ],
  ];
  for (const [name, check, valid, invalid, expected] of cases) {
    it(`${name} accepts valid values and names argument, value and rule otherwise`, () => {
      for (const value of valid) expect(() => check(value)).not.toThrow();
      for (const value of invalid) {
        let error: unknown;
        try {
          check(value);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as Error).message).toMatch(/rate/);
        expect((error as Error).message).toMatch(expected);
      }
    });
  }
});
