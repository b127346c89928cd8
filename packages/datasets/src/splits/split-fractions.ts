import { InvalidArgumentError } from '@graft/core';

/** Fractions of a split: a list (`[0.8, 0.1, 0.1]`) or named (`{ train: 0.8, val: 0.1, test: 0.1 }`). */
export type SplitFractions = readonly number[] | Readonly<Record<string, number>>;

/** Split names and fractions in order; checks each is in (0, 1) and that they sum to 1. */
export function normalizeFractions(fractions: SplitFractions): {
  names: string[] | undefined;
  values: number[];
} {
  const names = Array.isArray(fractions) ? undefined : Object.keys(fractions);
  const values = Array.isArray(fractions)
    ? [...(fractions as readonly number[])]
    : Object.values(fractions as Record<string, number>);
  if (values.length < 2) {
    throw new InvalidArgumentError({
      argument: 'fractions',
      value: fractions,
      expected: 'must hold at least two fractions, e.g. [0.8, 0.2] or { train: 0.8, val: 0.2 }',
    });
  }
  values.forEach((value, index) => {
    if (typeof value !== 'number' || !(value > 0 && value < 1)) {
      throw new InvalidArgumentError({
        argument: `fractions.${names?.[index] ?? index}`,
        value,
        expected: 'must be a number in (0, 1)',
      });
    }
  });
  const sum = values.reduce((total, value) => total + value, 0);
  if (Math.abs(sum - 1) > 1e-6) {
    throw new InvalidArgumentError({
      argument: 'fractions',
      value: fractions,
      expected: `must sum to 1 (they sum to ${Number(sum.toFixed(6))})`,
    });
  }
  return { names, values };
}

/**
 * Splits `count` items by `fractions` with the largest-remainder method, so the counts sum to
 * `count` exactly and differ from `count * fraction` by < 1. `behind[i]` (how far split `i` is
 * below its running target over earlier classes) decides who gets the leftover items first, so
 * rounding does not favour the same split class after class.
 */
export function allocateCounts(
  count: number,
  fractions: readonly number[],
  behind: readonly number[] = fractions.map(() => 0),
): number[] {
  const exact = fractions.map((fraction) => count * fraction);
  const counts = exact.map(Math.floor);
  let remaining = count - counts.reduce((total, value) => total + value, 0);
  const byPriority = exact
    .map((value, index) => ({
      index,
      priority: (behind[index] ?? 0) + value - Math.floor(value),
    }))
    .sort((a, b) => b.priority - a.priority || a.index - b.index);
  for (const { index } of byPriority) {
    if (remaining <= 0) break;
    counts[index] = (counts[index] as number) + 1;
    remaining--;
  }
  return counts;
}
