import { describe, expect, it } from 'vitest';
import { horizontalPass } from './horizontal-pass.js';
import { coefficients, filters } from './resample-coefficients.js';
import { resizePassesSimd, resizeSimdAvailable } from './resize-simd.js';
import { verticalPass } from './vertical-pass.js';

/** A small deterministic generator, so every run checks the same cases. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
}

/** The scalar passes and the SIMD ones over the same plan, as `resizeImage` runs them. */
function bothWays(
  data: Uint8Array,
  size: { width: number; height: number },
  target: { resizeWidth: number; resizeHeight: number; left: number; top: number },
  output: { width: number; height: number },
  filter: 'bilinear' | 'bicubic',
  antialias: boolean,
): { scalar: Uint8Array; simd: Uint8Array | undefined } {
  const columns = coefficients(
    size.width,
    target.resizeWidth,
    target.left,
    output.width,
    filters[filter],
    antialias,
  );
  const rows = coefficients(
    size.height,
    target.resizeHeight,
    target.top,
    output.height,
    filters[filter],
    antialias,
  );
  const firstRow = rows.first[0] as number;
  let lastRow = 0;
  for (let row = 0; row < output.height; row++) {
    lastRow = Math.max(lastRow, (rows.first[row] as number) + (rows.count[row] as number));
  }
  const rowCount = lastRow - firstRow;
  const intermediate = horizontalPass(data, size.width, firstRow, rowCount, output.width, columns);
  const scalar = verticalPass(intermediate, firstRow, rows, output.width, output.height);
  const simd = resizePassesSimd({
    data,
    width: size.width,
    firstRow,
    rowCount,
    targetWidth: output.width,
    targetHeight: output.height,
    columns,
    rows,
  });
  return { scalar, simd };
}

describe('resizePassesSimd', () => {
  it('runs here (Node has WebAssembly SIMD), so the other check tests the SIMD passes', () => {
    expect(resizeSimdAvailable()).toBe(true);
  });

  it("gives the scalar passes' bytes: down- and upscaling, bilinear and bicubic, cropped, any width", () => {
    const random = generator(11);
    let compared = 0;
    for (let trial = 0; trial < 300; trial++) {
      const width = 2 + Math.floor(random() * 70);
      const height = 2 + Math.floor(random() * 70);
      const data = Uint8Array.from({ length: width * height * 3 }, () =>
        // Many saturated bytes, so bicubic's overshoot clips at both ends.
        random() < 0.3 ? (random() < 0.5 ? 0 : 255) : Math.floor(random() * 256),
      );
      const resizeWidth = 1 + Math.floor(random() * 90);
      const resizeHeight = 1 + Math.floor(random() * 90);
      const outputWidth = 1 + Math.floor(random() * resizeWidth);
      const outputHeight = 1 + Math.floor(random() * resizeHeight);
      const target = {
        resizeWidth,
        resizeHeight,
        left: Math.floor(random() * (resizeWidth - outputWidth + 1)),
        top: Math.floor(random() * (resizeHeight - outputHeight + 1)),
      };
      const filter = random() < 0.5 ? 'bilinear' : 'bicubic';
      const { scalar, simd } = bothWays(
        data,
        { width, height },
        target,
        { width: outputWidth, height: outputHeight },
        filter,
        random() < 0.8,
      );
      // `undefined` only where a window is wider than the row (the scalar unpadded case).
      if (simd === undefined) continue;
      expect(firstDifference(simd, scalar)).toBe(-1);
      compared++;
    }
    expect(compared).toBeGreaterThan(250);
  });

  it('leaves an outsized image to the scalar passes (its memory would never be given back)', () => {
    // 5000x5000 RGB is 75 MB of source rows, over the kernel's 64 MiB.
    const size = 5000;
    const columns = coefficients(size, 224, 0, 224, filters.bilinear, true);
    const rows = coefficients(size, 224, 0, 224, filters.bilinear, true);
    const resized = resizePassesSimd({
      data: new Uint8Array(size * size * 3),
      width: size,
      firstRow: 0,
      rowCount: size,
      targetWidth: 224,
      targetHeight: 224,
      columns,
      rows,
    });
    expect(resized).toBeUndefined();
  });
});

/** Index of the first differing byte, or -1. */
function firstDifference(actual: Uint8Array, expected: Uint8Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let index = 0; index < actual.length; index++) {
    if (actual[index] !== expected[index]) return index;
  }
  return -1;
}
