import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { ResizePolicy } from '../types/preprocessing.js';
import { checkResizeOptions, resizeGeometry } from './resize-geometry.js';

/** Interleaved 8-bit RGB pixels, row-major, top row first. */
export interface RgbPixels {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 3` bytes, R G B per pixel. */
  data: Uint8Array;
}

/** Options of {@link resizeImage}. */
export interface ResizeImageOptions {
  /** `[height, width]` of the result. */
  imageSize: readonly [number, number];
  /** How the image reaches `imageSize` (stretch or center-crop, filter, antialiasing). */
  resize: ResizePolicy;
}

// Pillow's fixed point for 8-bit images (Resample.c: PRECISION_BITS = 32 - 8 - 2).
const precisionBits = 22;
const one = 2 ** precisionBits;
const half = 2 ** (precisionBits - 1);
const clipLimit = 2 ** (precisionBits + 8);

interface Filter {
  support: number;
  weight: (x: number) => number;
}

// Pillow's filters (Resample.c): triangle for BILINEAR, Keys a = -0.5 for BICUBIC.
const filters: Record<'bilinear' | 'bicubic', Filter> = {
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
interface Coefficients {
  first: Int32Array;
  count: Int32Array;
  taps: number;
  weights: Int32Array;
}

/**
 * Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for output samples
 * `[start, start + length)` of a resize from `inSize` to `outSize`.
 */
function coefficients(
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

/**
 * Brings RGB pixels of any size to `imageSize` as `resize` says: the geometry of
 * `resizeGeometry`, then Pillow's `Image.resize` (two separable passes, horizontal first, each
 * rounded to 8 bits in Pillow's 22-bit fixed point) and the crop. Bit-identical to
 * `img.resize((w, h), Image.BILINEAR).crop(...)` in Pillow (and so to torchvision's `Resize` +
 * `CenterCrop` on PIL images); only the kept window is computed. Returns `imageSize` bytes
 * `height * width * 3`. An image already at `imageSize` is returned as it is, not cropped: the
 * one place Graft differs from torchvision (which would scale a 224² image to 256² and crop).
 * Pure JavaScript: Node, workers and browsers run this same function.
 */
export function resizeImage(image: RgbPixels, options: ResizeImageOptions): Uint8Array {
  const { imageSize, resize } = options;
  checkResizeOptions(imageSize, resize);
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1)) {
    throw new InvalidArgumentError({
      argument: 'image',
      value: `${width}x${height}`,
      expected: 'must have a positive integer width and height',
    });
  }
  if (data.length !== width * height * 3) {
    throw new InvalidArgumentError({
      argument: 'image.data',
      value: `${data.length} bytes`,
      expected: `must hold width * height * 3 = ${width * height * 3} bytes (RGB)`,
    });
  }
  const [targetHeight, targetWidth] = imageSize;
  // Pixels already at the input size are final (so resizing twice changes nothing, and a tensor
  // at the input size means the same to every entry point), whatever the crop policy.
  if (width === targetWidth && height === targetHeight) return data;
  const geometry = resizeGeometry(width, height, imageSize, resize);
  const { resizeWidth, resizeHeight, left, top } = geometry;
  if (resizeWidth === width && resizeHeight === height) {
    return cropWindow(image, left, top, targetWidth, targetHeight);
  }
  if (resize.interpolation === 'nearest') {
    return nearest(image, geometry, targetWidth, targetHeight);
  }
  const filter = filters[resize.interpolation];
  const antialias = resize.antialias ?? true;
  const horizontalNeeded = resizeWidth !== width;
  const verticalNeeded = resizeHeight !== height;
  const columns = horizontalNeeded
    ? coefficients(width, resizeWidth, left, targetWidth, filter, antialias)
    : undefined;
  const rows = verticalNeeded
    ? coefficients(height, resizeHeight, top, targetHeight, filter, antialias)
    : undefined;

  // Source rows the vertical pass reads (or the kept rows when there is no vertical pass).
  let firstRow: number;
  let lastRow: number;
  if (rows) {
    firstRow = rows.first[0] as number;
    lastRow = 0;
    for (let index = 0; index < targetHeight; index++) {
      lastRow = Math.max(lastRow, (rows.first[index] as number) + (rows.count[index] as number));
    }
  } else {
    firstRow = top;
    lastRow = top + targetHeight;
  }

  // Horizontal pass over the source rows needed, kept columns only.
  const rowCount = lastRow - firstRow;
  let intermediate: Uint8Array;
  if (columns) {
    intermediate = horizontalPass(data, width, firstRow, rowCount, targetWidth, columns);
  } else {
    // No horizontal pass: the kept columns of the needed rows, as they are.
    intermediate = new Uint8Array(rowCount * targetWidth * 3);
    for (let row = 0; row < rowCount; row++) {
      const source = ((firstRow + row) * width + left) * 3;
      intermediate.set(data.subarray(source, source + targetWidth * 3), row * targetWidth * 3);
    }
  }
  if (!rows) return intermediate;

  // Vertical pass: each output byte sums its taps in registers (unrolled for 2-4 taps).
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

/**
 * Pillow's horizontal pass over `rowCount` source rows from `firstRow`. Every column gets the
 * same number of taps (the widest column's; narrower ones padded with zero weights, their window
 * moved inside the row), so the tap loop is unrolled for the usual 2-5 taps.
 */
function horizontalPass(
  data: Uint8Array,
  width: number,
  firstRow: number,
  rowCount: number,
  targetWidth: number,
  columns: Coefficients,
): Uint8Array {
  const { first, count, taps, weights } = columns;
  let span = 0;
  for (let column = 0; column < targetWidth; column++)
    span = Math.max(span, count[column] as number);
  // A row narrower than the widest window cannot hold the moved windows: no padding then.
  if (span > width)
    return horizontalPassUnpadded(data, width, firstRow, rowCount, targetWidth, columns);
  const offsets = new Int32Array(targetWidth);
  const padded = new Int32Array(targetWidth * span);
  for (let column = 0; column < targetWidth; column++) {
    const start = Math.min(first[column] as number, width - span);
    const shift = (first[column] as number) - start;
    offsets[column] = start * 3;
    for (let tap = 0; tap < (count[column] as number); tap++) {
      padded[column * span + shift + tap] = weights[column * taps + tap] as number;
    }
  }
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

/** The window `[left, left + width) x [top, top + height)` of `image` (the image itself when whole). */
function cropWindow(
  image: RgbPixels,
  left: number,
  top: number,
  width: number,
  height: number,
): Uint8Array {
  if (left === 0 && top === 0 && width === image.width && height === image.height) {
    return image.data;
  }
  const output = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const source = ((top + row) * image.width + left) * 3;
    output.set(image.data.subarray(source, source + width * 3), row * width * 3);
  }
  return output;
}

/**
 * Pillow's NEAREST resize (`ImagingScaleAffine`): the source coordinate starts at half a step and
 * is accumulated step by step, as Pillow does, then truncated.
 */
function nearest(
  image: RgbPixels,
  geometry: { resizeWidth: number; resizeHeight: number; left: number; top: number },
  targetWidth: number,
  targetHeight: number,
): Uint8Array {
  const { width, height, data } = image;
  const columns = nearestTable(width, geometry.resizeWidth, geometry.left, targetWidth);
  const rows = nearestTable(height, geometry.resizeHeight, geometry.top, targetHeight);
  const output = new Uint8Array(targetWidth * targetHeight * 3);
  for (let row = 0; row < targetHeight; row++) {
    const sourceRow = rows[row] as number;
    for (let column = 0; column < targetWidth; column++) {
      const source = (sourceRow * width + (columns[column] as number)) * 3;
      const target = (row * targetWidth + column) * 3;
      output[target] = data[source] as number;
      output[target + 1] = data[source + 1] as number;
      output[target + 2] = data[source + 2] as number;
    }
  }
  return output;
}

/** Source index of output samples `[start, start + length)` of a nearest resize `inSize -> outSize`. */
function nearestTable(inSize: number, outSize: number, start: number, length: number): Int32Array {
  const step = inSize / outSize;
  const table = new Int32Array(length);
  let coordinate = step * 0.5;
  for (let index = 0; index < start + length; index++) {
    if (index >= start) table[index - start] = Math.min(inSize - 1, Math.trunc(coordinate));
    coordinate += step;
  }
  return table;
}
