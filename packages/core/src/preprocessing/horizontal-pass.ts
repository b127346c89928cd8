import { type Coefficients, fixedPoint } from './resample-coefficients.js';

/**
 * Pillow's horizontal pass over `rowCount` source rows from `firstRow`. Every column gets the
 * same number of taps (the widest column's; narrower ones padded with zero weights, their window
 * moved inside the row), so the tap loop is unrolled for the usual 2-5 taps.
 */
export function horizontalPass(
  data: Uint8Array,
  width: number,
  firstRow: number,
  rowCount: number,
  targetWidth: number,
  columns: Coefficients,
): Uint8Array {
  // Locals: imported bindings read slower in the hot loops (measured ~20%).
  const { precisionBits, half, clipLimit } = fixedPoint;
  const span = widestWindow(columns, targetWidth);
  // A row narrower than the widest window cannot hold the moved windows: no padding then.
  if (span > width)
    return horizontalPassUnpadded(data, width, firstRow, rowCount, targetWidth, columns);
  const offsets = new Int32Array(targetWidth);
  const padded = new Int32Array(targetWidth * span);
  padColumnWindows({ columns, width, targetWidth, span, offsets, padded });
  const intermediate = new Uint8Array(rowCount * targetWidth * 3);
  const rowBytes = width * 3;
  let output = 0;
  for (let row = 0; row < rowCount; row++) {
    const sourceRow = (firstRow + row) * rowBytes;
    for (let column = 0; column < targetWidth; column++) {
      const a = sourceRow + (offsets[column] as number);
      const w = column * span;
      let red = half;
      let green = half;
      let blue = half;
      if (span === 3) {
        const w0 = padded[w] as number;
        const w1 = padded[w + 1] as number;
        const w2 = padded[w + 2] as number;
        red +=
          (data[a] as number) * w0 + (data[a + 3] as number) * w1 + (data[a + 6] as number) * w2;
        green +=
          (data[a + 1] as number) * w0 +
          (data[a + 4] as number) * w1 +
          (data[a + 7] as number) * w2;
        blue +=
          (data[a + 2] as number) * w0 +
          (data[a + 5] as number) * w1 +
          (data[a + 8] as number) * w2;
      } else if (span === 4) {
        const w0 = padded[w] as number;
        const w1 = padded[w + 1] as number;
        const w2 = padded[w + 2] as number;
        const w3 = padded[w + 3] as number;
        red +=
          (data[a] as number) * w0 +
          (data[a + 3] as number) * w1 +
          (data[a + 6] as number) * w2 +
          (data[a + 9] as number) * w3;
        green +=
          (data[a + 1] as number) * w0 +
          (data[a + 4] as number) * w1 +
          (data[a + 7] as number) * w2 +
          (data[a + 10] as number) * w3;
        blue +=
          (data[a + 2] as number) * w0 +
          (data[a + 5] as number) * w1 +
          (data[a + 8] as number) * w2 +
          (data[a + 11] as number) * w3;
      } else {
        let offset = a;
        for (let tap = w; tap < w + span; tap++) {
          const weight = padded[tap] as number;
          red += (data[offset] as number) * weight;
          green += (data[offset + 1] as number) * weight;
          blue += (data[offset + 2] as number) * weight;
          offset += 3;
        }
      }
      intermediate[output++] = red >= clipLimit ? 255 : red <= 0 ? 0 : red >> precisionBits;
      intermediate[output++] = green >= clipLimit ? 255 : green <= 0 ? 0 : green >> precisionBits;
      intermediate[output++] = blue >= clipLimit ? 255 : blue <= 0 ? 0 : blue >> precisionBits;
    }
  }
  return intermediate;
}

/** {@link horizontalPass} without padding: each column's own taps, for rows narrower than a window. */
function horizontalPassUnpadded(
  data: Uint8Array,
  width: number,
  firstRow: number,
  rowCount: number,
  targetWidth: number,
  columns: Coefficients,
): Uint8Array {
  // Locals: imported bindings read slower in the hot loops (measured ~20%).
  const { precisionBits, half, clipLimit } = fixedPoint;
  const intermediate = new Uint8Array(rowCount * targetWidth * 3);
  const { first, count, taps, weights } = columns;
  for (let row = 0; row < rowCount; row++) {
    const sourceRow = (firstRow + row) * width * 3;
    let output = row * targetWidth * 3;
    for (let column = 0; column < targetWidth; column++) {
      let offset = sourceRow + (first[column] as number) * 3;
      const end = column * taps + (count[column] as number);
      let red = half;
      let green = half;
      let blue = half;
      for (let tap = column * taps; tap < end; tap++) {
        const weight = weights[tap] as number;
        red += (data[offset] as number) * weight;
        green += (data[offset + 1] as number) * weight;
        blue += (data[offset + 2] as number) * weight;
        offset += 3;
      }
      // Inline clip8: sums stay below 2^31 once the 255 case is taken, so >> is exact.
      intermediate[output++] = red >= clipLimit ? 255 : red <= 0 ? 0 : red >> precisionBits;
      intermediate[output++] = green >= clipLimit ? 255 : green <= 0 ? 0 : green >> precisionBits;
      intermediate[output++] = blue >= clipLimit ? 255 : blue <= 0 ? 0 : blue >> precisionBits;
    }
  }
  return intermediate;
}

/** Taps of the widest column window (the padded plan's `span`). */
export function widestWindow(columns: Coefficients, targetWidth: number): number {
  let span = 0;
  for (let column = 0; column < targetWidth; column++)
    span = Math.max(span, columns.count[column] as number);
  return span;
}

/**
 * The padded plan of the horizontal pass (scalar and SIMD): column `c` reads `span` bytes-triples
 * from `offsets[c]` with weights `padded[c * span …]`, its window moved inside the row and the
 * taps it lacks left at zero weight. `padded` must be zero-filled; needs `span <= width`.
 */
export function padColumnWindows(plan: {
  columns: Coefficients;
  width: number;
  targetWidth: number;
  span: number;
  offsets: Int32Array;
  padded: Int32Array;
}): void {
  const { columns, width, targetWidth, span, offsets, padded } = plan;
  const { first, count, taps, weights } = columns;
  for (let column = 0; column < targetWidth; column++) {
    const start = Math.min(first[column] as number, width - span);
    const shift = (first[column] as number) - start;
    offsets[column] = start * 3;
    for (let tap = 0; tap < (count[column] as number); tap++) {
      padded[column * span + shift + tap] = weights[column * taps + tap] as number;
    }
  }
}
