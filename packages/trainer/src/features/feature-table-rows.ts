// Row helpers of a feature table being filled.

/**
 * Writes the computed `rows` (in `indices` order) into `into` at those indices; the other rows
 * already hold cached features. Returns `into`.
 */
export function scatterRows(
  into: Float32Array,
  rows: Float32Array,
  indices: readonly number[],
  featureDim: number,
): Float32Array {
  if (rows.length !== indices.length * featureDim) {
    throw new RangeError(
      `Feature computation returned ${rows.length} values for ${indices.length} images of ${featureDim} features.`,
    );
  }
  indices.forEach((row, index) => {
    into.set(rows.subarray(index * featureDim, (index + 1) * featureDim), row * featureDim);
  });
  return into;
}

/** Index of the largest of `length` values from `offset` (the first on ties). */
export function argMax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let index = 1; index < length; index++) {
    if ((values[offset + index] as number) > (values[offset + best] as number)) best = index;
  }
  return best;
}
