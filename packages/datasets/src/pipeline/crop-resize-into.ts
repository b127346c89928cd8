import { bilinearAxis } from './bilinear-axis.js';
import type { CropResizeRgbOptions } from './crop-resize-rgb.js';
import { cropResizeIntoSimd } from './crop-resize-simd.js';

/** Per-channel `value * multiplier + offset`, in the output's channel order. */
export interface ChannelTransform {
  /** Multiplier per output channel (rounded to float32 before use, as the tensor path does). */
  multiplier: readonly [number, number, number];
  /** Offset per output channel (rounded to float32 before use). */
  offset: readonly [number, number, number];
  /** Output channel `c` reads source channel `2 - c` (BGR networks). */
  reverseChannels: boolean;
}

/** Leaves pixels as float32 values in [0, 255], RGB. */
export const identityTransform: ChannelTransform = {
  multiplier: [1, 1, 1],
  offset: [0, 0, 0],
  reverseChannels: false,
};

/** Options of {@link cropResizeInto}. */
export interface CropResizeIntoOptions extends CropResizeRgbOptions {
  /** Float32 buffer the view is written into (a batch's pixels). */
  target: Float32Array;
  /** First element of the view in `target`. */
  targetOffset: number;
  /** Applied to each resampled byte. Default {@link identityTransform}. */
  transform?: ChannelTransform;
}

/**
 * `cropResizeRgb` fused with the normalisation and the float32 conversion: crops, resizes
 * bilinearly (the very same fixed-point weights and rounding to a byte), mirrors, then writes
 * `float32(float32(byte * multiplier) + offset)` straight into a batch buffer. Bit for bit what
 * `cropResizeRgb` then `normalizePixels` (or `normalizeImages`' float32 multiply-add) gives, with
 * no byte image, no float copy and no tensor op in between.
 */
export function cropResizeInto(pixels: Uint8Array, options: CropResizeIntoOptions): void {
  const transform = options.transform ?? identityTransform;
  const multiplier = transform.multiplier.map(Math.fround) as [number, number, number];
  const offset = transform.offset.map(Math.fround) as [number, number, number];
  if (!cropResizeIntoSimd(pixels, options, multiplier, offset, transform.reverseChannels)) {
    cropResizeIntoScalar(pixels, options);
  }
}

/**
 * {@link cropResizeInto} in plain JavaScript: what runs where WebAssembly SIMD is missing, and
 * the reference the SIMD kernel is tested against.
 */
export function cropResizeIntoScalar(pixels: Uint8Array, options: CropResizeIntoOptions): void {
  const [, sourceWidth] = options.size;
  const { top, left, height, width } = options.box;
  const [outputHeight, outputWidth] = options.outputSize;
  const { target } = options;
  const transform = options.transform ?? identityTransform;
  const m0 = Math.fround(transform.multiplier[0]);
  const m1 = Math.fround(transform.multiplier[1]);
  const m2 = Math.fround(transform.multiplier[2]);
  const o0 = Math.fround(transform.offset[0]);
  const o1 = Math.fround(transform.offset[1]);
  const o2 = Math.fround(transform.offset[2]);
  // Source channel read for output channels 0 and 2 (1 is always green).
  const first = transform.reverseChannels ? 2 : 0;
  const last = 2 - first;
  const columnLeft = new Int32Array(outputWidth);
  const columnRight = new Int32Array(outputWidth);
  const columnWeight = new Int32Array(outputWidth);
  const columns = bilinearAxis(width, outputWidth);
  for (let x = 0; x < outputWidth; x++) {
    const column = options.flipHorizontal ? outputWidth - 1 - x : x;
    columnLeft[column] = (left + (columns.near[x] as number)) * 3;
    columnRight[column] = (left + (columns.far[x] as number)) * 3;
    columnWeight[column] = columns.weight[x] as number;
  }
  const rows = bilinearAxis(height, outputHeight);
  if (height < outputHeight) {
    // Separable with the same integer arithmetic: each source row's horizontal sums
    // (`byte * keepX + byte * weightX`, unrounded) are computed once and kept while consecutive
    // output rows read them (a crop smaller than the output is upsampled, so most rows are reused);
    // the vertical blend then rounds once, exactly as the 2-D formula of `cropResizeRgb` does.
    const rowLength = outputWidth * 3;
    let upper = new Int32Array(rowLength);
    let lower = new Int32Array(rowLength);
    let upperRow = -1;
    let lowerRow = -1;
    const horizontal = (sourceRow: number, into: Int32Array): void => {
      const base = (top + sourceRow) * sourceWidth * 3;
      for (let x = 0, at = 0; x < outputWidth; x++, at += 3) {
        const weightX = columnWeight[x] as number;
        const keepX = 256 - weightX;
        const a = base + (columnLeft[x] as number);
        const b = base + (columnRight[x] as number);
        into[at] = (pixels[a + first] as number) * keepX + (pixels[b + first] as number) * weightX;
        into[at + 1] = (pixels[a + 1] as number) * keepX + (pixels[b + 1] as number) * weightX;
        into[at + 2] =
          (pixels[a + last] as number) * keepX + (pixels[b + last] as number) * weightX;
      }
    };
    let out = options.targetOffset;
    for (let y = 0; y < outputHeight; y++) {
      const y0 = rows.near[y] as number;
      const y1 = rows.far[y] as number;
      const weightY = rows.weight[y] as number;
      const keepY = 256 - weightY;
      if (upperRow !== y0) {
        if (lowerRow === y0) {
          const swap = upper;
          upper = lower;
          lower = swap;
          lowerRow = upperRow;
        } else {
          horizontal(y0, upper);
        }
        upperRow = y0;
      }
      if (lowerRow !== y1) {
        horizontal(y1, lower);
        lowerRow = y1;
      }
      // The byte cropResizeRgb stores (1/65536ths, + 32768 rounds to nearest), then the float32
      // multiply (fround) and add (the sum of two float32s is exact in float64, so the store's
      // one rounding equals float32 addition).
      for (let at = 0; at < rowLength; at += 3) {
        target[out] =
          Math.fround(
            (((upper[at] as number) * keepY + (lower[at] as number) * weightY + 32768) >> 16) * m0,
          ) + o0;
        target[out + 1] =
          Math.fround(
            (((upper[at + 1] as number) * keepY + (lower[at + 1] as number) * weightY + 32768) >>
              16) *
              m1,
          ) + o1;
        target[out + 2] =
          Math.fround(
            (((upper[at + 2] as number) * keepY + (lower[at + 2] as number) * weightY + 32768) >>
              16) *
              m2,
          ) + o2;
        out += 3;
      }
    }
    return;
  }
  // Downscaling (rows rarely reused): the 2-D formula per output pixel is cheaper.
  let out = options.targetOffset;
  for (let y = 0; y < outputHeight; y++) {
    const y0 = rows.near[y] as number;
    const y1 = rows.far[y] as number;
    const weightY = rows.weight[y] as number;
    const keepY = 256 - weightY;
    const row0 = (top + y0) * sourceWidth * 3;
    const row1 = (top + y1) * sourceWidth * 3;
    for (let x = 0; x < outputWidth; x++) {
      const weightX = columnWeight[x] as number;
      const keepX = 256 - weightX;
      const a = row0 + (columnLeft[x] as number);
      const b = row0 + (columnRight[x] as number);
      const c = row1 + (columnLeft[x] as number);
      const d = row1 + (columnRight[x] as number);
      const upper0 =
        (pixels[a + first] as number) * keepX + (pixels[b + first] as number) * weightX;
      const lower0 =
        (pixels[c + first] as number) * keepX + (pixels[d + first] as number) * weightX;
      const upper1 = (pixels[a + 1] as number) * keepX + (pixels[b + 1] as number) * weightX;
      const lower1 = (pixels[c + 1] as number) * keepX + (pixels[d + 1] as number) * weightX;
      const upper2 = (pixels[a + last] as number) * keepX + (pixels[b + last] as number) * weightX;
      const lower2 = (pixels[c + last] as number) * keepX + (pixels[d + last] as number) * weightX;
      // The byte cropResizeRgb stores (1/65536ths, + 32768 rounds to nearest), then the float32
      // multiply (fround) and add (the sum of two float32s is exact in float64, so the store's
      // one rounding equals float32 addition).
      target[out] = Math.fround(((upper0 * keepY + lower0 * weightY + 32768) >> 16) * m0) + o0;
      target[out + 1] = Math.fround(((upper1 * keepY + lower1 * weightY + 32768) >> 16) * m1) + o1;
      target[out + 2] = Math.fround(((upper2 * keepY + lower2 * weightY + 32768) >> 16) * m2) + o2;
      out += 3;
    }
  }
}
