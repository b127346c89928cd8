import { InvalidArgumentError } from '@graft/core';
import { type ManifestEntry, type SplitManifest, stratifiedKFold } from '@graft/datasets';

/** The flag, as errors name it. */
export const foldsFlag = '--folds';

/** `--folds <k>` as given: undefined when left out, else an integer ≥ 2 (checked against the data later). */
export function parseFolds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const folds = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(folds) || folds < 2) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value,
      expected: 'must be an integer ≥ 2 (the number of folds, e.g. 5)',
    });
  }
  return folds;
}

/** Options of {@link planFolds}. */
export interface PlanFoldsOptions {
  /** The run's data as a split manifest: its train and validation files are cross-validated. */
  manifest: SplitManifest;
  /** Number of folds. */
  folds: number;
  /** Seed of the stratified assignment. */
  seed: number;
}

/**
 * Stratified, seeded k-fold over a manifest's train and validation files (its test files stay
 * the test set of every fold). Returns the partition as a manifest with splits `fold-1` …
 * `fold-k` (each fold's held-out files) and `test`; {@link foldManifest} derives a fold's run.
 * `folds` must be at most the smallest class's image count, so every class is in every
 * held-out fold; a bad value names `--folds` and the valid range.
 */
export function planFolds(options: PlanFoldsOptions): SplitManifest {
  const { manifest, folds, seed } = options;
  const pool: ManifestEntry[] = [
    ...(manifest.splits.train ?? []),
    ...(manifest.splits.validation ?? []),
    ...(manifest.splits.val ?? []),
  ];
  const counts = manifest.classNames.map(() => 0);
  for (const entry of pool) counts[entry.label] = (counts[entry.label] ?? 0) + 1;
  const smallest = Math.min(...counts);
  const smallestClass = manifest.classNames[counts.indexOf(smallest)] ?? '?';
  if (smallest < 2) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value: folds,
      expected: `needs at least 2 images of every class to cross-validate, but class "${smallestClass}" has ${smallest}`,
    });
  }
  if (folds > smallest) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value: folds,
      expected: `must be an integer from 2 to ${smallest}: every held-out fold needs an image of each class, and class "${smallestClass}" has ${smallest} images to cross-validate`,
    });
  }
  const assignment = stratifiedKFold({ labels: pool.map((entry) => entry.label), folds, seed });
  const entries = (indices: readonly number[]) =>
    indices.map((index) => pool[index] as ManifestEntry);
  const test = manifest.splits.test;
  return {
    format: 'graft-split-manifest',
    version: 1,
    root: manifest.root,
    classNames: [...manifest.classNames],
    seed,
    splits: {
      ...Object.fromEntries(
        assignment.map((fold, index) => [foldName(index), entries(fold.validation)]),
      ),
      ...(test && test.length > 0 ? { test } : {}),
    },
  };
}

/** The number of folds of a partition written by {@link planFolds}. */
export function foldCount(partition: SplitManifest): number {
  return Object.keys(partition.splits).filter((name) => /^fold-\d+$/.test(name)).length;
}

/**
 * The manifest fold `index` (0-based) trains on: the other folds as `train`, this one as
 * `validation`, and the partition's `test`.
 */
export function foldManifest(partition: SplitManifest, index: number): SplitManifest {
  const folds = foldCount(partition);
  const train: ManifestEntry[] = [];
  for (let other = 0; other < folds; other++) {
    if (other !== index) train.push(...(partition.splits[foldName(other)] ?? []));
  }
  const { test } = partition.splits;
  return {
    ...partition,
    splits: {
      train,
      validation: partition.splits[foldName(index)] ?? [],
      ...(test ? { test } : {}),
    },
  };
}

/** The run folder of fold `index` (0-based): `fold-1`, `fold-2`, … */
export function foldName(index: number): string {
  return `fold-${index + 1}`;
}
