import { GraftError, InvalidArgumentError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { stratifiedKFold } from './stratified-k-fold.js';
import { randomSplit, stratifiedSplit } from './stratified-split.js';

// 3 classes of 50, 30 and 7 items, interleaved.
const labels = [
  ...Array.from({ length: 50 }, () => 0),
  ...Array.from({ length: 30 }, () => 1),
  ...Array.from({ length: 7 }, () => 2),
].map((label, index, all) => all[(index * 31) % all.length] ?? label);

const countOf = (indices: readonly number[], label: number) =>
  indices.filter((index) => labels[index] === label).length;

describe('stratifiedSplit', () => {
  it('splits each class by the fractions, covering every item once', () => {
    const { splits, classesMissingFromSplits } = stratifiedSplit({
      labels,
      fractions: { train: 0.8, val: 0.1, test: 0.1 },
      seed: 3,
    });
    const all = [...splits.train, ...splits.val, ...splits.test].sort((a, b) => a - b);
    expect(all).toEqual(labels.map((_, index) => index));
    expect([0, 1, 2].map((label) => countOf(splits.train, label))).toEqual([40, 24, 5]);
    expect([0, 1, 2].map((label) => countOf(splits.val, label))).toEqual([5, 3, 1]);
    expect([0, 1, 2].map((label) => countOf(splits.test, label))).toEqual([5, 3, 1]);
    expect(classesMissingFromSplits).toEqual({});
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const fractions = [0.7, 0.15, 0.15];
    const a = stratifiedSplit({ labels, fractions, seed: 11 }).splits;
    const b = stratifiedSplit({ labels, fractions, seed: 11 }).splits;
    const c = stratifiedSplit({ labels, fractions, seed: 12 }).splits;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.map((split) => split.length)).toEqual([61, 13, 13]);
  });

  it('puts a small class in every split, or reports that it cannot', () => {
    const small = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2];
    const { splits } = stratifiedSplit({ labels: small.slice(0, 13), fractions: [0.8, 0.1, 0.1] });
    for (const split of splits) expect(split.some((index) => small[index] === 1)).toBe(true);
    expect(splits.map((split) => split.length)).toEqual([9, 2, 2]);
    expect(() =>
      stratifiedSplit({
        labels: small,
        fractions: [0.8, 0.1, 0.1],
        classNames: ['a', 'b', 'wasp'],
      }),
    ).toThrow(/"wasp" has 1 item\(s\), fewer than the 3 splits/);
    const allowed = stratifiedSplit({
      labels: small,
      fractions: { train: 0.8, val: 0.1, test: 0.1 },
      onTooFewSamples: 'allow',
    });
    expect(Object.values(allowed.classesMissingFromSplits).flat()).toEqual([2, 2]);
  });

  it('rejects fractions that do not sum to 1 or are out of (0, 1)', () => {
    expect(() => stratifiedSplit({ labels, fractions: [0.8, 0.1] })).toThrow(
      /sum to 1 \(they sum to 0.9\)/,
    );
    expect(() => stratifiedSplit({ labels, fractions: { train: 1, val: 0 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => stratifiedSplit({ labels, fractions: { train: 1.2, val: -0.2 } })).toThrow(
      /fractions\.train/,
    );
    expect(() => stratifiedSplit({ labels, fractions: [1] })).toThrow(/at least two/);
  });
});

describe('randomSplit', () => {
  it('splits by exact counts, deterministically', () => {
    const splits = randomSplit({ size: 10, fractions: [0.7, 0.15, 0.15], seed: 1 });
    expect(splits.map((split) => split.length)).toEqual([7, 2, 1]);
    expect(splits.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(randomSplit({ size: 10, fractions: [0.7, 0.15, 0.15], seed: 1 })).toEqual(splits);
  });
});

describe('stratifiedKFold', () => {
  it('holds out each item once with stratified, balanced folds', () => {
    const folds = stratifiedKFold({ labels, folds: 5, seed: 2 });
    expect(folds).toHaveLength(5);
    const heldOut = folds.flatMap((fold) => fold.validation).sort((a, b) => a - b);
    expect(heldOut).toEqual(labels.map((_, index) => index));
    for (const fold of folds) {
      expect(fold.train.length + fold.validation.length).toBe(labels.length);
      expect(fold.validation.length === 17 || fold.validation.length === 18).toBe(true);
      expect(countOf(fold.validation, 0)).toBe(10);
      expect(countOf(fold.validation, 1)).toBe(6);
      expect(fold.train.some((index) => fold.validation.includes(index))).toBe(false);
    }
    expect(stratifiedKFold({ labels, folds: 5, seed: 2 })).toEqual(folds);
    expect(() => stratifiedKFold({ labels, folds: 1 })).toThrow(/folds/);
    expect(
      GraftError.isInstance(new InvalidArgumentError({ argument: 'a', value: 1, expected: 'x' })),
    ).toBe(true);
  });
});
