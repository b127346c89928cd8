import { InvalidArgumentError } from '@graft/core';
import type { ActivationRange } from './activation-range-observer.js';

/** Histogram bins over [0, largest |value|], as ONNX Runtime's percentile calibrator uses. */
const bins = 2048;

/**
 * Percentile calibration (ONNX Runtime's `CalibrationMethod.Percentile`): a histogram of |value|
 * per tensor over [0, its largest |value|] (from a first MinMax pass over the same images), and
 * the range clipped to the |value| below which `percentile` % of the values fall, so a few
 * outliers do not stretch the uint8 steps of every other value. Pure bookkeeping.
 */
export class PercentileRangeObserver {
  private readonly histograms = new Map<string, Float64Array>();

  /**
   * @param minMax Each tensor's MinMax range over the same images (`ActivationRangeObserver`).
   */
  constructor(private readonly minMax: Readonly<Record<string, ActivationRange>>) {}

  /** Adds `values` to `name`'s histogram. */
  observe(name: string, values: ArrayLike<number>): void {
    const range = this.minMax[name];
    if (range === undefined) {
      throw new InvalidArgumentError({
        argument: name,
        value: 'no MinMax range',
        expected: 'every observed tensor needs its MinMax range from a first pass',
      });
    }
    const largest = Math.max(Math.abs(range[0]), Math.abs(range[1]));
    let histogram = this.histograms.get(name);
    if (histogram === undefined) {
      histogram = new Float64Array(bins);
      this.histograms.set(name, histogram);
    }
    const perBin = largest > 0 ? bins / largest : 0;
    for (let index = 0; index < values.length; index++) {
      const bin = Math.min(bins - 1, Math.floor(Math.abs(values[index] as number) * perBin));
      histogram[bin] = (histogram[bin] as number) + 1;
    }
  }

  /** Each tensor's MinMax range clipped to ±(the `percentile` of its |values|). */
  result(percentile: number): Record<string, ActivationRange> {
    if (!(percentile > 0 && percentile <= 100)) {
      throw new InvalidArgumentError({
        argument: 'percentile',
        value: percentile,
        expected: 'must be in (0, 100]',
      });
    }
    const ranges: Record<string, ActivationRange> = {};
    for (const [name, range] of Object.entries(this.minMax)) {
      const histogram = this.histograms.get(name);
      if (histogram === undefined) {
        ranges[name] = range;
        continue;
      }
      const total = histogram.reduce((sum, count) => sum + count, 0);
      const wanted = (total * percentile) / 100;
      let seen = 0;
      let bin = 0;
      for (; bin < bins - 1; bin++) {
        seen += histogram[bin] as number;
        if (seen >= wanted) break;
      }
      const largest = Math.max(Math.abs(range[0]), Math.abs(range[1]));
      // The upper edge of the bin where the percentile falls.
      const threshold = (largest * (bin + 1)) / bins;
      ranges[name] = [Math.max(range[0], -threshold), Math.min(range[1], threshold)];
    }
    return ranges;
  }
}
