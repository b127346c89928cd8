import { describe, expect, it } from 'vitest';
import { summarizeFolds } from './summarize-folds.js';

const evaluation = (accuracy: number, loss: number, f1: number) => ({
  count: 10,
  accuracy,
  loss,
  macroF1: f1,
  topKAccuracy: { '5': 1 },
  perClass: [{ className: 'cat', precision: f1, recall: accuracy, f1, support: 5 }],
  confusionMatrix: [[5]],
  classNames: ['cat'],
  misclassified: [],
});

describe('summarizeFolds', () => {
  it('gives mean and sample std of every metric, named by path and class', () => {
    const summary = summarizeFolds([
      { epochs: 3, validation: evaluation(0.5, 1, 0.4), test: evaluation(0.6, 0.9, 0.5) },
      { epochs: 3, validation: evaluation(0.7, 0.5, 0.6), test: evaluation(0.8, 0.7, 0.7) },
      { epochs: 2, validation: evaluation(0.9, 0.3, 0.8) },
    ]);
    expect(summary['validation.accuracy']?.mean).toBeCloseTo(0.7);
    // Sample std of 0.5, 0.7, 0.9 is 0.2.
    expect(summary['validation.accuracy']?.std).toBeCloseTo(0.2);
    expect(summary['validation.accuracy']?.values).toEqual([0.5, 0.7, 0.9]);
    expect(summary['validation.perClass.cat.f1']?.mean).toBeCloseTo(0.6);
    expect(summary['validation.topKAccuracy.5']?.std).toBe(0);
    expect(summary.epochs?.mean).toBeCloseTo(8 / 3);
    // A fold without a test set is left out of the test metrics' mean, shown as null.
    expect(summary['test.loss']?.values).toEqual([0.9, 0.7, null]);
    expect(summary['test.loss']?.mean).toBeCloseTo(0.8);
    // Sizes and example lists are not metrics.
    const names = Object.keys(summary);
    expect(names.some((name) => /count|support|confusion|misclassified/.test(name))).toBe(false);
  });
});
