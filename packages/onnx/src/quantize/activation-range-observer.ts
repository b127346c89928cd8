import { InvalidArgumentError } from '@graft/core';

/** A tensor's observed range, `[min, max]`. */
export type ActivationRange = readonly [number, number];

/**
 * MinMax calibration (ONNX Runtime's default `CalibrationMethod.MinMax`): the smallest and largest
 * value each tensor took over every calibration batch. Pure bookkeeping; no tensor is created.
 */
export class ActivationRangeObserver {
  private readonly ranges = new Map<string, [number, number]>();

  /** Widens `name`'s range to cover `values`. */
  observe(name: string, values: ArrayLike<number>): void {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let index = 0; index < values.length; index++) {
      const value = values[index] as number;
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) {
      throw new InvalidArgumentError({
        argument: name,
        value: values.length === 0 ? 'no values' : `range [${min}, ${max}]`,
        expected: 'calibration values must be finite numbers',
      });
    }
    const previous = this.ranges.get(name);
    this.ranges.set(
      name,
      previous === undefined
        ? [min, max]
        : [Math.min(previous[0], min), Math.max(previous[1], max)],
    );
  }

  /** Every observed range, by tensor name. */
  result(): Record<string, ActivationRange> {
    return Object.fromEntries(this.ranges);
  }
}
