/**
 * Per-channel mean and (population) variance over many batches, merged in float64 with Chan et
 * al.'s parallel formula: the result equals the statistics of all values at once, including the
 * spread between batch means that averaging per-batch variances (PyTorch's `momentum=None`)
 * leaves out.
 */
export class RunningMoments {
  readonly channels: number;
  /** Values seen per channel. */
  count = 0;
  readonly mean: Float64Array;
  /** Sum of squared deviations from the mean (M2). */
  private readonly squares: Float64Array;

  constructor(channels: number) {
    this.channels = channels;
    this.mean = new Float64Array(channels);
    this.squares = new Float64Array(channels);
  }

  /** Adds a batch of `count` values per channel with this mean and population variance. */
  add(count: number, mean: ArrayLike<number>, variance: ArrayLike<number>): void {
    if (count <= 0) return;
    const total = this.count + count;
    for (let channel = 0; channel < this.channels; channel++) {
      const batchMean = mean[channel] ?? 0;
      const delta = batchMean - (this.mean[channel] ?? 0);
      this.mean[channel] = (this.mean[channel] ?? 0) + (delta * count) / total;
      this.squares[channel] =
        (this.squares[channel] ?? 0) +
        (variance[channel] ?? 0) * count +
        (delta * delta * this.count * count) / total;
    }
    this.count = total;
  }

  /** Population variance per channel (divided by the count). */
  variance(): Float64Array {
    const result = new Float64Array(this.channels);
    for (let channel = 0; channel < this.channels; channel++) {
      result[channel] = this.count > 0 ? (this.squares[channel] ?? 0) / this.count : 0;
    }
    return result;
  }
}
