import type { SplitManifest } from '@graft/datasets';
import { describe, expect, it } from 'vitest';
import { foldCount, foldManifest, parseFolds, planFolds } from './fold-plan.js';

/** Classes a (6 images), b (4 images); the first two of each in validation, one test file. */
const manifest: SplitManifest = {
  format: 'graft-split-manifest',
  version: 1,
  root: '/data',
  classNames: ['a', 'b'],
  splits: {
    train: [
      ...['a/1', 'a/2', 'a/3', 'a/4'].map((path) => ({ path, label: 0 })),
      ...['b/1', 'b/2'].map((path) => ({ path, label: 1 })),
    ],
    validation: [
      ...['a/5', 'a/6'].map((path) => ({ path, label: 0 })),
      ...['b/3', 'b/4'].map((path) => ({ path, label: 1 })),
    ],
    test: [{ path: 'a/7', label: 0 }],
  },
};

describe('planFolds', () => {
  it('deals train and validation files into stratified folds, keeping test aside', () => {
    const partition = planFolds({ manifest, folds: 2, seed: 3 });
    expect(Object.keys(partition.splits)).toEqual(['fold-1', 'fold-2', 'test']);
    expect(foldCount(partition)).toBe(2);
    const held = [partition.splits['fold-1'] ?? [], partition.splits['fold-2'] ?? []];
    for (const fold of held) {
      expect(fold.filter((entry) => entry.label === 0)).toHaveLength(3);
      expect(fold.filter((entry) => entry.label === 1)).toHaveLength(2);
    }
    const all = held.flat().map((entry) => entry.path);
    expect(new Set(all).size).toBe(10);
    expect(partition.splits.test).toEqual([{ path: 'a/7', label: 0 }]);
  });

  it('is seeded: the same seed gives the same folds, another seed others', () => {
    const first = planFolds({ manifest, folds: 2, seed: 1 });
    expect(planFolds({ manifest, folds: 2, seed: 1 })).toEqual(first);
    const others = [2, 3, 4, 5].map((seed) => planFolds({ manifest, folds: 2, seed }).splits);
    expect(others.some((splits) => JSON.stringify(splits) !== JSON.stringify(first.splits))).toBe(
      true,
    );
  });

  it("derives each fold's run: the other folds train, this one is held out", () => {
    const partition = planFolds({ manifest, folds: 2, seed: 0 });
    const second = foldManifest(partition, 1);
    expect(second.splits.validation).toEqual(partition.splits['fold-2']);
    expect(second.splits.train).toEqual(partition.splits['fold-1']);
    expect(second.splits.test).toEqual(partition.splits.test);
    expect(second.root).toBe('/data');
  });

  it('refuses more folds than the smallest class has images, naming --folds and the range', () => {
    expect(() => planFolds({ manifest, folds: 5, seed: 0 })).toThrow(
      /--folds. must be an integer from 2 to 4.*"b" has 4 images.*Received: --folds=5/,
    );
  });
});

describe('parseFolds', () => {
  it('accepts integers ≥ 2 and names --folds for anything else', () => {
    expect(parseFolds(undefined)).toBeUndefined();
    expect(parseFolds('5')).toBe(5);
    for (const bad of ['1', '0', '-3', '2.5', 'five', '']) {
      expect(() => parseFolds(bad)).toThrow(/--folds.*integer ≥ 2/);
    }
  });
});
