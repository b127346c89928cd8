import { InvalidArgumentError } from '@graft/core';

/** Side of the grayscale thumbnail a perceptual hash is computed from. */
export const perceptualHashSize = 32;

/** Side of the block of lowest DCT frequencies that gives the 64 bits. */
const lowFrequencies = 8;

/** Pixels to hash: 8-bit (or float in [0, 255]) values, row-major, `channels` interleaved. */
export interface PerceptualHashInput {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA, alpha ignored). */
  channels: 1 | 3 | 4;
  /** `width * height * channels` values. */
  data: ArrayLike<number>;
}

// cos(π k (2n + 1) / 2N) for the 8 lowest k over the 32 samples, as scipy's unnormalised DCT-II
// (the scale does not matter: bits compare coefficients with their median).
const cosineTable = (() => {
  const table = new Float64Array(lowFrequencies * perceptualHashSize);
  for (let k = 0; k < lowFrequencies; k++) {
    for (let n = 0; n < perceptualHashSize; n++) {
      table[k * perceptualHashSize + n] = Math.cos(
        (Math.PI * k * (2 * n + 1)) / (2 * perceptualHashSize),
      );
    }
  }
  return table;
})();

/**
 * The 64-bit DCT perceptual hash (pHash, as Python's `imagehash.phash`) of an image, as 16 hex
 * digits: grayscale (Rec. 601 luma) → 32×32 (area average here; the Node side resizes with
 * sharp first, so this step is then a no-op) → 2-D DCT-II → the 8×8 lowest frequencies → one bit
 * per coefficient, set when it is above their median. Re-encoding and resizing change few bits;
 * unrelated photos differ in about 32. Compare with {@link hammingDistance}.
 */
export function perceptualHash(image: PerceptualHashInput): string {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new InvalidArgumentError({
      argument: 'image.width/height',
      value: `${width}x${height}`,
      expected: 'must be whole numbers ≥ 1',
    });
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError({
      argument: 'image.channels',
      value: channels,
      expected: 'must be one of: 1, 3, 4',
    });
  }
  if (data.length !== width * height * channels) {
    throw new InvalidArgumentError({
      argument: 'image.data.length',
      value: data.length,
      expected: `must be width * height * channels = ${width * height * channels}`,
    });
  }
  return hashThumbnail(grayThumbnail(image));
}

/** Number of differing bits between two hashes from {@link perceptualHash} (0–64). */
export function hammingDistance(first: string, second: string): number {
  const a = parsePerceptualHash(first, 'first');
  const b = parsePerceptualHash(second, 'second');
  return popCount32((a[0] ^ b[0]) >>> 0) + popCount32((a[1] ^ b[1]) >>> 0);
}

/** A hash as two unsigned 32-bit words, high word first; `argument` names it in errors. */
export function parsePerceptualHash(hash: string, argument: string): [number, number] {
  if (typeof hash !== 'string' || !/^[0-9a-f]{16}$/i.test(hash)) {
    throw new InvalidArgumentError({
      argument,
      value: hash,
      expected: 'must be a perceptual hash of 16 hex digits',
    });
  }
  return [Number.parseInt(hash.slice(0, 8), 16), Number.parseInt(hash.slice(8), 16)];
}

/** Set bits of an unsigned 32-bit number. */
export function popCount32(value: number): number {
  let bits = value - ((value >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return (((bits + (bits >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** 32×32 gray values: luma, then the mean over each output cell's (fractional) source area. */
function grayThumbnail(image: PerceptualHashInput): Float64Array {
  const { width, height, channels, data } = image;
  const gray = new Float64Array(width * height);
  for (let pixel = 0; pixel < gray.length; pixel++) {
    const offset = pixel * channels;
    gray[pixel] =
      channels === 1
        ? (data[offset] as number)
        : 0.299 * (data[offset] as number) +
          0.587 * (data[offset + 1] as number) +
          0.114 * (data[offset + 2] as number);
  }
  const size = perceptualHashSize;
  if (width === size && height === size) return gray;
  const horizontal = areaWeights(width, size);
  const vertical = areaWeights(height, size);
  // Separable area resampling: rows first (height × 32), then columns.
  const rows = new Float64Array(height * size);
  for (let y = 0; y < height; y++) {
    for (const { target, source, weight } of horizontal) {
      rows[y * size + target] =
        (rows[y * size + target] as number) + weight * (gray[y * width + source] as number);
    }
  }
  const thumbnail = new Float64Array(size * size);
  for (const { target, source, weight } of vertical) {
    for (let x = 0; x < size; x++) {
      thumbnail[target * size + x] =
        (thumbnail[target * size + x] as number) + weight * (rows[source * size + x] as number);
    }
  }
  return thumbnail;
}

/**
 * Weights of source samples in each of `size` output cells (covering `length` samples evenly),
 * normalised to sum to 1 per cell. Upsampling (length < size) degenerates to nearest sample.
 */
function areaWeights(
  length: number,
  size: number,
): { target: number; source: number; weight: number }[] {
  const weights: { target: number; source: number; weight: number }[] = [];
  const scale = length / size;
  for (let target = 0; target < size; target++) {
    const start = target * scale;
    const end = start + scale;
    const cell: { target: number; source: number; weight: number }[] = [];
    let total = 0;
    for (let source = Math.floor(start); source < Math.min(length, Math.ceil(end)); source++) {
      const overlap = Math.min(end, source + 1) - Math.max(start, source);
      if (overlap <= 0) continue;
      cell.push({ target, source, weight: overlap });
      total += overlap;
    }
    for (const entry of cell) weights.push({ ...entry, weight: entry.weight / total });
  }
  return weights;
}

/** The 64 bits of a 32×32 thumbnail, row-major over the 8×8 low frequencies, MSB first. */
function hashThumbnail(thumbnail: Float64Array): string {
  const size = perceptualHashSize;
  // Columns DCT (8 frequencies × 32 columns), then rows: 8×8 coefficients.
  const partial = new Float64Array(lowFrequencies * size);
  for (let k = 0; k < lowFrequencies; k++) {
    for (let x = 0; x < size; x++) {
      let sum = 0;
      for (let y = 0; y < size; y++) {
        sum += (cosineTable[k * size + y] as number) * (thumbnail[y * size + x] as number);
      }
      partial[k * size + x] = sum;
    }
  }
  const coefficients = new Float64Array(lowFrequencies * lowFrequencies);
  for (let ky = 0; ky < lowFrequencies; ky++) {
    for (let kx = 0; kx < lowFrequencies; kx++) {
      let sum = 0;
      for (let x = 0; x < size; x++) {
        sum += (cosineTable[kx * size + x] as number) * (partial[ky * size + x] as number);
      }
      coefficients[ky * lowFrequencies + kx] = sum;
    }
  }
  const sorted = Float64Array.from(coefficients).sort();
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) {
      value = (value << 1) | ((coefficients[nibble * 4 + bit] as number) > median ? 1 : 0);
    }
    hex += value.toString(16);
  }
  return hex;
}
