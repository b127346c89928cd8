import { type IndexPairs, PairBuilder } from './hamming-pairs.js';

/** Rows per block of the blocked scan: 64 rows of a 1280-float vector stay in L2 cache. */
const blockRows = 64;

/**
 * Every pair of rows of `vectors` (`count × dimension`, row-major) whose cosine similarity is at
 * least `threshold`. Rows are L2-normalised into a copy, then all `n²/2` dot products are taken
 * in cache-sized blocks: O(n² · d) time, O(n · d) memory. Plain JS reaches ~0.5–1 G
 * multiply-adds/s (measured on a loaded 2-core machine: 1000 × 1280 in 1.2–1.6 s), so 10 000
 * vectors of 1280 floats take a few minutes; reduce `d` (e.g. PCA) for larger sets. A zero
 * vector matches nothing.
 */
export function cosinePairs(
  vectors: Float32Array,
  count: number,
  dimension: number,
  threshold: number,
): IndexPairs {
  const unit = new Float32Array(count * dimension);
  for (let row = 0; row < count; row++) {
    let norm = 0;
    for (let column = 0; column < dimension; column++) {
      const value = vectors[row * dimension + column] as number;
      norm += value * value;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let column = 0; column < dimension; column++) {
      unit[row * dimension + column] = (vectors[row * dimension + column] as number) * scale;
    }
  }
  const builder = new PairBuilder();
  for (let blockStart = 0; blockStart < count; blockStart += blockRows) {
    const blockEnd = Math.min(count, blockStart + blockRows);
    for (let j = blockStart + 1; j < count; j++) {
      const jOffset = j * dimension;
      for (let i = blockStart; i < Math.min(blockEnd, j); i++) {
        const iOffset = i * dimension;
        // Four partial sums: shorter dependency chains (measured ~1.3x faster in V8).
        let dot0 = 0;
        let dot1 = 0;
        let dot2 = 0;
        let dot3 = 0;
        let column = 0;
        for (; column + 3 < dimension; column += 4) {
          dot0 += (unit[iOffset + column] as number) * (unit[jOffset + column] as number);
          dot1 += (unit[iOffset + column + 1] as number) * (unit[jOffset + column + 1] as number);
          dot2 += (unit[iOffset + column + 2] as number) * (unit[jOffset + column + 2] as number);
          dot3 += (unit[iOffset + column + 3] as number) * (unit[jOffset + column + 3] as number);
        }
        for (; column < dimension; column++) {
          dot0 += (unit[iOffset + column] as number) * (unit[jOffset + column] as number);
        }
        const dot = dot0 + dot1 + dot2 + dot3;
        if (dot >= threshold) builder.add(i, j, Math.min(1, dot));
      }
    }
  }
  return builder.finish();
}
