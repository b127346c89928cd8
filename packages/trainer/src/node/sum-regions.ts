/**
 * The element-wise sum of the `length`-float regions of `buffer` starting at `offsets`, added in
 * the given order (so the result is deterministic). `offsets` must not be empty.
 */
export function sumRegions(
  buffer: Float32Array,
  offsets: readonly number[],
  length: number,
): Float32Array {
  const first = offsets[0] as number;
  const sum = buffer.slice(first, first + length);
  for (const offset of offsets.slice(1)) {
    for (let index = 0; index < length; index++) {
      sum[index] = (sum[index] as number) + (buffer[offset + index] as number);
    }
  }
  return sum;
}
