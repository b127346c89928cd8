import { GraftError, SeededRandom } from '@graft/core';
import { allocateCounts, normalizeFractions, type SplitFractions } from './split-fractions.js';

/** Options of {@link stratifiedSplit}. */
export interface StratifiedSplitOptions<F extends SplitFractions> {
  /** Label of every item, in dataset order (`dataset.labels()`). */
  labels: readonly number[];
  /** Fractions per split, summing to 1: `[0.8, 0.1, 0.1]` or `{ train: 0.8, val: 0.1, test: 0.1 }`. */
  fractions: F;
  /** Seed; the same seed gives the same split on every machine. Default 0. */
  seed?: number;
  /**
   * A class with fewer items than splits cannot be in every split. `error` (default) throws
   * naming the class; `allow` lets it miss splits (reported in `classesMissingFromSplits`).
   */
  onTooFewSamples?: 'error' | 'allow';
  /** Class names for messages (optional). */
  classNames?: readonly string[];
}

/** Indices per split: an array for list fractions, a record for named fractions. */
export type SplitIndices<F extends SplitFractions> = F extends readonly number[]
  ? number[][]
  : { [K in keyof F]: number[] };

/** Result of {@link stratifiedSplit} and {@link randomSplit}. */
export interface SplitResult<F extends SplitFractions> {
  /** Item indices of each split, ascending (dataset order). */
  splits: SplitIndices<F>;
  /** Per split (by name or position), the labels that got no item. Empty when every class is everywhere. */
  classesMissingFromSplits: Record<string, number[]>;
}

/**
 * Splits items so each class is divided by `fractions` (largest remainder per class), shuffled
 * by a seeded generator per class: deterministic for a seed, independent of the order classes
 * appear in. Every class with at least as many items as there are splits gets at least one item
 * in each split (taken from the split with most items of that class).
 */
export function stratifiedSplit<F extends SplitFractions>(
  options: StratifiedSplitOptions<F>,
): SplitResult<F> {
  const { names, values } = normalizeFractions(options.fractions);
  const random = new SeededRandom(options.seed ?? 0);
  const byClass = groupByLabel(options.labels);
  const splits: number[][] = values.map(() => []);
  const missing: Record<string, number[]> = {};
  // Running (target - allocated) per split, so leftovers rotate between splits across classes.
  const behind = values.map(() => 0);
  for (const [label, members] of byClass) {
    const counts = allocateCounts(members.length, values, behind);
    if (members.length >= values.length) {
      // Give every split at least one item of the class.
      for (let index = 0; index < counts.length; index++) {
        if (counts[index] !== 0) continue;
        const largest = counts.indexOf(Math.max(...counts));
        counts[largest] = (counts[largest] as number) - 1;
        counts[index] = 1;
      }
    } else if ((options.onTooFewSamples ?? 'error') === 'error') {
      const className = options.classNames?.[label] ?? `label ${label}`;
      throw new GraftError({
        code: 'DATA',
        message:
          `class ${JSON.stringify(className)} has ${members.length} item(s), fewer than the ` +
          `${values.length} splits, so it cannot be in every split; add images, use fewer splits, ` +
          "or pass onTooFewSamples: 'allow'",
      });
    }
    counts.forEach((count, index) => {
      behind[index] =
        (behind[index] as number) + members.length * (values[index] as number) - count;
    });
    const shuffled = random.fork(`class-${label}`).shuffle([...members]);
    let start = 0;
    counts.forEach((count, index) => {
      (splits[index] as number[]).push(...shuffled.slice(start, start + count));
      start += count;
      if (count === 0) {
        const key = names?.[index] ?? String(index);
        missing[key] = [...(missing[key] ?? []), label];
      }
    });
  }
  for (const split of splits) split.sort((a, b) => a - b);
  return { splits: shape(names, splits) as SplitIndices<F>, classesMissingFromSplits: missing };
}

/** Options of {@link randomSplit}. */
export interface RandomSplitOptions<F extends SplitFractions> {
  /** Number of items. */
  size: number;
  /** Fractions per split, summing to 1. */
  fractions: F;
  /** Seed. Default 0. */
  seed?: number;
}

/** Splits `0 .. size-1` at random by `fractions` (not stratified); deterministic for a seed. */
export function randomSplit<F extends SplitFractions>(
  options: RandomSplitOptions<F>,
): SplitIndices<F> {
  const { names, values } = normalizeFractions(options.fractions);
  const order = new SeededRandom(options.seed ?? 0).fork('random-split').permutation(options.size);
  const counts = allocateCounts(options.size, values);
  let start = 0;
  const splits = counts.map((count) => {
    const part = order.slice(start, start + count).sort((a, b) => a - b);
    start += count;
    return part;
  });
  return shape(names, splits) as SplitIndices<F>;
}

function shape(
  names: string[] | undefined,
  splits: number[][],
): number[][] | Record<string, number[]> {
  return names === undefined
    ? splits
    : Object.fromEntries(names.map((name, index) => [name, splits[index] as number[]]));
}

/** Item indices per label, labels ascending. */
export function groupByLabel(labels: readonly number[]): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => {
    const members = byClass.get(label);
    if (members) members.push(index);
    else byClass.set(label, [index]);
  });
  return new Map([...byClass.entries()].sort((a, b) => a[0] - b[0]));
}
