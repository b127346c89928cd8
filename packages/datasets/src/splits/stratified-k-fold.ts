import { InvalidArgumentError, SeededRandom } from '@graft/core';
import { groupByLabel } from './stratified-split.js';

/** Options of {@link stratifiedKFold}. */
export interface StratifiedKFoldOptions {
  /** Label of every item, in dataset order. */
  labels: readonly number[];
  /** Number of folds (>= 2, <= number of items). */
  folds: number;
  /** Seed. Default 0. */
  seed?: number;
}

/** One fold: which items train and which validate. */
export interface Fold {
  /** Item indices used for training, ascending. */
  train: number[];
  /** Item indices held out, ascending. */
  validation: number[];
}

/**
 * Stratified k-fold: each class's items are shuffled (seeded) and dealt round-robin into folds,
 * continuing where the previous class stopped so fold sizes differ by at most one. Every item is
 * held out exactly once. A class with fewer items than folds is absent from some validation folds.
 */
export function stratifiedKFold(options: StratifiedKFoldOptions): Fold[] {
  const { folds, labels } = options;
  if (!Number.isInteger(folds) || folds < 2 || folds > labels.length) {
    throw new InvalidArgumentError({
      argument: 'folds',
      value: folds,
      expected: `must be an integer in [2, ${labels.length}] (the number of items)`,
    });
  }
  const random = new SeededRandom(options.seed ?? 0);
  const held: number[][] = Array.from({ length: folds }, () => []);
  let next = 0;
  for (const [label, members] of groupByLabel(labels)) {
    for (const index of random.fork(`fold-class-${label}`).shuffle([...members])) {
      (held[next] as number[]).push(index);
      next = (next + 1) % folds;
    }
  }
  return held.map((validation) => {
    const heldOut = new Set(validation);
    return {
      train: labels.flatMap((_, index) => (heldOut.has(index) ? [] : [index])),
      validation: validation.sort((a, b) => a - b),
    };
  });
}
