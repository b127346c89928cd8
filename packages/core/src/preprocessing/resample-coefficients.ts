// Pillow's fixed point for 8-bit images (Resample.c: PRECISION_BITS = 32 - 8 - 2).
export const precisionBits = 22;
const one = 2 ** precisionBits;
export const half = 2 ** (precisionBits - 1);
export const clipLimit = 2 ** (precisionBits + 8);
/** The constants above as one object, for the passes to copy into locals. */
export const fixedPoint = { precisionBits, half, clipLimit } as const;

export interface Filter {
  support: number;
  weight: (x: number) => number;
}

// Pillow's filters (Resample.c): triangle for BILINEAR, Keys a = -0.5 for BICUBIC.
export const filters: Record<'bilinear' | 'bicubic', Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const distance = Math.abs(x);
      return distance < 1 ? 1 - distance : 0;
    },
  },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const distance = Math.abs(x);
      if (distance < 1) return ((a + 2) * distance - (a + 3)) * distance * distance + 1;
      if (distance < 2) return (((distance - 5) * distance + 8) * distance - 4) * a;
      return 0;
    },
  },
};

/** Per output sample: first source index, tap count, and fixed-point weights. */
export interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  taps: number;
  weights: Int32Array;
}

/**
 * Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for output samples
 * `[start, start + length)` of a resize from `inSize` to `outSize`.
 */
export function coefficients(
  inSize: number,
  outSize: number,
  start: number,
  length: number,
  filter: Filter,
  antialias: boolean,
): Coefficients {
  const scale = inSize / outSize;
  const filterScale = antialias ? Math.max(scale, 1) : 1;
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(length);
  const count = new Int32Array(length);
  const weights = new Int32Array(length * taps);
  const raw = new Float64Array(taps);
  const inverseScale = 1 / filterScale;
  for (let index = 0; index < length; index++) {
    const center = (start + index + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const minimum = Math.max(0, Math.trunc(center - support + 0.5));
    const maximum = Math.min(inSize, Math.trunc(center + support + 0.5));
    const span = maximum - minimum;
    let total = 0;
    for (let tap = 0; tap < span; tap++) {
      const weight = filter.weight((tap + minimum - center + 0.5) * inverseScale);
      raw[tap] = weight;
      total += weight;
    }
    for (let tap = 0; tap < span; tap++) {
      const normalized = total !== 0 ? (raw[tap] as number) / total : (raw[tap] as number);
      weights[index * taps + tap] =
        normalized < 0 ? Math.trunc(-0.5 + normalized * one) : Math.trunc(0.5 + normalized * one);
    }
    first[index] = minimum;
    count[index] = span;
  }
  return { first, count, taps, weights };
}
