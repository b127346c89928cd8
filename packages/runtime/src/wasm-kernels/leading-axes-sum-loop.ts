/**
 * Sums `x`, viewed as `[rows, channels]`, over its rows into `out` (`[channels]`), times
 * `factor`: one sequential pass, accumulated in float64.
 */
export function leadingAxesSumLoop(x: Float32Array, out: Float32Array, factor: number): void {
  const channels = out.length;
  const rows = x.length / channels;
  const sums = new Float64Array(channels);
  for (let row = 0; row < rows; row++) {
    const base = row * channels;
    for (let c = 0; c < channels; c++) {
      sums[c] = (sums[c] as number) + (x[base + c] as number);
    }
  }
  for (let c = 0; c < channels; c++) out[c] = (sums[c] as number) * factor;
}
