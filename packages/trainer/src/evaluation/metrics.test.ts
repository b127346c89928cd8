import { describe, expect, it } from 'vitest';
import { computeMetrics } from './metrics.js';

describe('computeMetrics', () => {
  it('computes accuracy, per-class metrics, top-k and the confusion matrix', () => {
    // Four examples, three classes. Rows: true 0 → 0, true 0 → 1, true 1 → 1, true 2 → 1.
    const probabilities = new Float32Array([
      0.7, 0.2, 0.1, 0.4, 0.5, 0.1, 0.1, 0.8, 0.1, 0.2, 0.5, 0.3,
    ]);
    const targets = new Float32Array([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const report = computeMetrics({
      probabilities,
      targets,
      classNames: ['a', 'b', 'c'],
      topK: [2],
      sources: ['p0', 'p1', 'p2', 'p3'],
    });
    expect(report.accuracy).toBe(0.5);
    expect(report.confusionMatrix).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 1, 0],
    ]);
    // Class b: predicted 3 times, right once; recall 1.
    expect(report.perClass[1]).toMatchObject({ precision: 1 / 3, recall: 1, support: 1 });
    expect(report.perClass[1]?.f1).toBeCloseTo(0.5, 10);
    expect(report.perClass[0]).toMatchObject({ precision: 1, recall: 0.5 });
    expect(report.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    // Top-2: example 1 has its label (0.4) second, example 3 has its label (0.3) second.
    expect(report.topKAccuracy['2']).toBe(1);
    const expectedLoss = -(Math.log(0.7) + Math.log(0.4) + Math.log(0.8) + Math.log(0.3)) / 4;
    expect(report.loss).toBeCloseTo(expectedLoss, 6);
    expect(report.misclassified.map((entry) => entry.source)).toEqual(['p1', 'p3']);
    expect(report.misclassified[0]).toMatchObject({ label: 0, predicted: 1 });
  });

  it('balanced accuracy is the mean recall: a majority guesser on 9:1 data scores 1/2', () => {
    // Ten examples, nine of class a; everything predicted a. Accuracy 0.9, balanced 0.5.
    const probabilities = new Float32Array(Array.from({ length: 10 }, () => [0.9, 0.1]).flat());
    const targets = new Float32Array(
      Array.from({ length: 10 }, (_, row) => (row < 9 ? [1, 0] : [0, 1])).flat(),
    );
    const report = computeMetrics({ probabilities, targets, classNames: ['a', 'b'] });
    expect(report.accuracy).toBeCloseTo(0.9, 10);
    expect(report.balancedAccuracy).toBe(0.5);
    // F1 of a = 2·0.9·1/1.9, of b = 0.
    expect(report.macroF1).toBeCloseTo(0.9 / 1.9, 10);
  });

  it('balanced accuracy skips classes without examples (as scikit-learn does)', () => {
    // Rows: true 0 → 0, true 0 → 1, true 1 → 1; class c has no examples.
    const probabilities = new Float32Array([0.7, 0.2, 0.1, 0.4, 0.5, 0.1, 0.1, 0.8, 0.1]);
    const targets = new Float32Array([1, 0, 0, 1, 0, 0, 0, 1, 0]);
    const report = computeMetrics({ probabilities, targets, classNames: ['a', 'b', 'c'] });
    expect(report.balancedAccuracy).toBe(0.75);
  });
});
