import { describe, expect, it } from 'vitest';
import { multiLabelSplit } from './multi-label-split.js';

describe('multiLabelSplit', () => {
  // 40 items: label 0 on all, label 1 on every 2nd, label 2 (rare) on every 10th.
  const labelSets = Array.from({ length: 40 }, (_, index) => [
    0,
    ...(index % 2 === 0 ? [1] : []),
    ...(index % 10 === 0 ? [2] : []),
  ]);

  it('splits by the fractions, keeps label proportions and puts every label in every split', () => {
    const { splits, labelsMissingFromSplits } = multiLabelSplit({
      labelSets,
      numLabels: 3,
      fractions: { train: 0.5, val: 0.25, test: 0.25 },
      seed: 7,
    });
    expect(splits.train).toHaveLength(20);
    expect(splits.val).toHaveLength(10);
    expect(splits.test).toHaveLength(10);
    expect([...splits.train, ...splits.val, ...splits.test].sort((a, b) => a - b)).toEqual(
      labelSets.map((_, index) => index),
    );
    const countOf = (indices: number[], label: number) =>
      indices.filter((index) => labelSets[index]?.includes(label)).length;
    expect(countOf(splits.train, 1)).toBe(10);
    expect(countOf(splits.val, 1)).toBe(5);
    // The rare label (4 items) reaches all three splits.
    for (const part of [splits.train, splits.val, splits.test]) {
      expect(countOf(part, 2)).toBeGreaterThan(0);
    }
    expect(labelsMissingFromSplits).toEqual({});
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const run = (seed: number) =>
      multiLabelSplit({ labelSets, numLabels: 3, fractions: [0.8, 0.2], seed }).splits;
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('moves an item so a label with enough items is in every split', () => {
    // Label 1 has 2 items, both on items the greedy pass would put in train.
    const sets = [[0, 1], [0, 1], [0], [0], [0], [0], [0], [0], [0], [0]];
    const { splits, labelsMissingFromSplits } = multiLabelSplit({
      labelSets: sets,
      numLabels: 2,
      fractions: [0.9, 0.1],
      seed: 0,
    });
    expect(labelsMissingFromSplits).toEqual({});
    expect(splits[1]?.some((index) => sets[index]?.includes(1))).toBe(true);
  });

  it('reports a label too rare for every split and rejects bad label indices', () => {
    const { labelsMissingFromSplits } = multiLabelSplit({
      labelSets: [[0], [0], [0], [1]],
      numLabels: 2,
      fractions: { train: 0.5, val: 0.5 },
    });
    expect(Object.values(labelsMissingFromSplits)).toEqual([[1]]);
    expect(() =>
      multiLabelSplit({ labelSets: [[0], [3]], numLabels: 2, fractions: [0.5, 0.5] }),
    ).toThrow(/labelSets\[1\].*\[0, 1\]/);
  });
});
