import { describe, expect, it } from 'vitest';
import { exponentialRamp, smoothingLag, smoothLosses, steepestDescentIndex } from './curve.js';

describe('range-test curve helpers', () => {
  it('ramps geometrically from start to end', () => {
    const ramp = exponentialRamp(1e-6, 1, 7);
    expect(ramp[0]).toBe(1e-6);
    expect(ramp[6]).toBeCloseTo(1, 12);
    for (let index = 1; index < 7; index++) {
      expect((ramp[index] as number) / (ramp[index - 1] as number)).toBeCloseTo(10, 9);
    }
  });

  it('bias-corrects the moving average: a constant series stays constant from step 0', () => {
    expect(smoothLosses([2, 2, 2], 0.98)).toEqual([2, 2, 2].map(() => expect.closeTo(2, 12)));
    const smoothed = smoothLosses([1, 3], 0.5);
    // avg1 = 0.5, corrected 0.5 / 0.5 = 1; avg2 = 0.25 + 1.5 = 1.75, corrected 1.75 / 0.75.
    expect(smoothed[0]).toBeCloseTo(1, 15);
    expect(smoothed[1]).toBeCloseTo(1.75 / 0.75, 15);
    expect(smoothLosses([1, 5, 3], 0)).toEqual([1, 5, 3]);
  });

  it('measures the moving average lag', () => {
    expect(smoothingLag(0, 0.9)).toBe(0);
    expect(smoothingLag(1, 0.5)).toBeCloseTo(1 / 3, 12);
    expect(smoothingLag(10_000, 0.9)).toBeCloseTo(9, 6);
    expect(smoothingLag(50, 0)).toBe(0);
  });

  it('finds the steepest descent inside the window', () => {
    const losses = [5, 5, 4.9, 4, 2, 1.5, 1.4, 3, 9];
    // Central differences: index 3 spans 4.9 → 2 (−1.45 per step), index 4 spans 4 → 1.5 (−1.25).
    expect(steepestDescentIndex({ losses, skipStart: 0, skipEnd: 0 })).toBe(3);
    // Indices 3 and 4 are outside the window: index 5 (one-sided, 1.5 → 1.4) is the only descent.
    expect(steepestDescentIndex({ losses, skipStart: 5, skipEnd: 0 })).toBe(5);
    expect(
      steepestDescentIndex({ losses: [1, 2, 3, 4], skipStart: 0, skipEnd: 0 }),
    ).toBeUndefined();
    expect(steepestDescentIndex({ losses: [3, 2, 1], skipStart: 1, skipEnd: 1 })).toBeUndefined();
  });
});
