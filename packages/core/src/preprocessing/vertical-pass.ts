import { type Coefficients, fixedPoint } from './resample-coefficients.js';

/**
 * Pillow's vertical pass over `intermediate` (the horizontal pass's rows from source row
 * `firstRow`, `targetWidth` pixels wide) into `targetHeight` rows: each output byte sums its taps
 * in registers (unrolled for 2-4 taps).
 */
export function verticalPass(
  intermediate: Uint8Array,
  firstRow: number,
  rows: Coefficients,
  targetWidth: number,
  targetHeight: number,
): Uint8Array {
  // Locals: imported bindings read slower in the hot loops (measured ~20%).
  const { precisionBits, half, clipLimit } = fixedPoint;
  const output = new Uint8Array(targetHeight * targetWidth * 3);
  const { first, count, taps, weights } = rows;
  const stride = targetWidth * 3;
  for (let row = 0; row < targetHeight; row++) {
    const start = ((first[row] as number) - firstRow) * stride;
    const span = count[row] as number;
    const base = row * taps;
    const outputRow = row * stride;
    const w0 = weights[base] as number;
    const w1 = span > 1 ? (weights[base + 1] as number) : 0;
    const w2 = span > 2 ? (weights[base + 2] as number) : 0;
    const w3 = span > 3 ? (weights[base + 3] as number) : 0;
    const r1 = start + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    if (span === 2) {
      for (let p = 0; p < stride; p++) {
        const sum =
          half + (intermediate[start + p] as number) * w0 + (intermediate[r1 + p] as number) * w1;
        output[outputRow + p] = sum >= clipLimit ? 255 : sum <= 0 ? 0 : sum >> precisionBits;
      }
    } else if (span === 3) {
      for (let p = 0; p < stride; p++) {
        const sum =
          half +
          (intermediate[start + p] as number) * w0 +
          (intermediate[r1 + p] as number) * w1 +
          (intermediate[r2 + p] as number) * w2;
        output[outputRow + p] = sum >= clipLimit ? 255 : sum <= 0 ? 0 : sum >> precisionBits;
      }
    } else if (span === 4) {
      for (let p = 0; p < stride; p++) {
        const sum =
          half +
          (intermediate[start + p] as number) * w0 +
          (intermediate[r1 + p] as number) * w1 +
          (intermediate[r2 + p] as number) * w2 +
          (intermediate[r3 + p] as number) * w3;
        output[outputRow + p] = sum >= clipLimit ? 255 : sum <= 0 ? 0 : sum >> precisionBits;
      }
    } else {
      for (let p = 0; p < stride; p++) {
        let sum = half;
        let source = start + p;
        for (let tap = 0; tap < span; tap++) {
          sum += (intermediate[source] as number) * (weights[base + tap] as number);
          source += stride;
        }
        output[outputRow + p] = sum >= clipLimit ? 255 : sum <= 0 ? 0 : sum >> precisionBits;
      }
    }
  }
  return output;
}
