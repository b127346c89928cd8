/**
 * Sums `x`, viewed as `[rows, channels]`, over its rows into `out` (`[channels]`), times
 * `factor`: one sequential pass. Accumulated in float32 in row order like the native wasm and
 * cpu kernels: float64 sums, though more exact, moved BatchNormalization statistics enough to
 * flip a ReLU6 boundary in the wasm-vs-cpu gradient check (2e-2 instead of 1e-5).
 */
export function leadingAxesSumLoop(x: Float32Array, out: Float32Array, factor: number): void {
  const channels = out.length;
  const rows = x.length / channels;
  const sums = new Float32Array(channels);
  for (let row = 0; row < rows; row++) {
    const base = row * channels;
    for (let c = 0; c < channels; c++) {
      sums[c] = (sums[c] as number) + (x[base + c] as number);
    }
  }
  for (let c = 0; c < channels; c++) out[c] = (sums[c] as number) * factor;
}
