import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from './expected-calibration-error.js';

describe('expectedCalibrationError', () => {
  it('matches a hand computation with 15 bins', () => {
    // Confidences 0.9 (right), 0.95 (wrong), 0.6 (right), 0.55 (wrong), 0.3 of three classes (right).
    // Bins of width 1/15: 0.9 → bin 13 (0.8667, 0.9333], 0.95 → bin 14, 0.6 → bin 8 (0.5333, 0.6],
    // 0.55 → bin 8, 0.4 → bin 5 (0.3333, 0.4].
    const probabilities = [
      0.9, 0.05, 0.05, 0.95, 0.03, 0.02, 0.2, 0.6, 0.2, 0.55, 0.25, 0.2, 0.4, 0.3, 0.3,
    ];
    const labels = [0, 1, 1, 2, 0];
    const result = expectedCalibrationError({ probabilities, labels, classes: 3 });
    // Bin 13: |1 − 0.9| · 1/5; bin 14: |0 − 0.95| · 1/5; bin 8: |0.5 − 0.575| · 2/5; bin 5: |1 − 0.4| · 1/5.
    const expected = (0.1 + 0.95 + 2 * 0.075 + 0.6) / 5;
    expect(result.expectedCalibrationError).toBeCloseTo(expected, 6);
    expect(result.bins).toHaveLength(15);
    expect(result.bins[8]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(result.bins[8]?.confidence).toBeCloseTo(0.575, 6);
    expect(result.bins[5]).toMatchObject({ count: 1, accuracy: 1 });
    expect(result.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(5);
  });

  it('puts a confidence on a bin edge into the lower bin, (lower, upper]', () => {
    // 0.6 = 9/15 exactly: bin 8 (0.5333, 0.6], not bin 9. With 2 bins, 0.5 → bin 0.
    const result = expectedCalibrationError({
      probabilities: [0.5, 0.5, 0.25, 0.75],
      labels: [0, 0],
      classes: 2,
      bins: 2,
    });
    expect(result.bins.map((bin) => bin.count)).toEqual([1, 1]);
    // Bin 0: right at 0.5 (|1 − 0.5|); bin 1: wrong at 0.75.
    expect(result.expectedCalibrationError).toBeCloseTo((0.5 + 0.75) / 2, 10);
  });

  it('is 0 for a perfectly calibrated bin and rejects mismatched sizes', () => {
    // Four rows at confidence 0.75, three right: accuracy 0.75 = confidence.
    const result = expectedCalibrationError({
      probabilities: [0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25],
      labels: [0, 0, 0, 1],
      classes: 2,
    });
    expect(result.expectedCalibrationError).toBeCloseTo(0, 10);
    expect(() =>
      expectedCalibrationError({ probabilities: [0.5, 0.5, 1], labels: [0, 1], classes: 2 }),
    ).toThrow(/labels.length × classes/);
    expect(() =>
      expectedCalibrationError({ probabilities: [1, 0], labels: [0], classes: 2, bins: 0 }),
    ).toThrow(/bins/);
  });
});
