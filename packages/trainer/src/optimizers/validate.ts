import { InvalidArgumentError } from '@graft/core';
import type { OptimizerState } from './optimizer.js';

export function checkPositive(argument: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a finite number > 0' });
  }
}

export function checkNonNegative(argument: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a finite number >= 0' });
  }
}

export function checkFraction(argument: string, value: number): void {
  if (!(value >= 0 && value < 1)) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be in [0, 1)' });
  }
}

export function checkState(name: string, state: OptimizerState): void {
  if (state?.name !== name || !Number.isInteger(state.iterations) || !Array.isArray(state.slots)) {
    throw new InvalidArgumentError({
      argument: 'state',
      value: state?.name,
      expected: `must be the state of a ${name} optimiser (from getState())`,
    });
  }
}
