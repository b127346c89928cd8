import { bilinearAxis } from './bilinear-axis.js';
/** Options of {@link cropResizeRgb}. */
export interface CropResizeRgbOptions {
  /** `[height, width]` of `pixels`. */
  size: readonly [number, number];
  /** Crop box in `pixels`, whole pixels, inside the image. */
  box: { top: number; left: number; height: number; width: number };
  /** `[height, width]` of the output. */
  outputSize: readonly [number, number];
  /** Mirror left-right. */
  flipHorizontal: boolean;
}

/**
 * Crops interleaved RGB bytes, resizes the crop bilinearly (half-pixel centres, edge clamped,
 * weights in 1/256 px steps, no antialias: callers keep the reduction under ~1.5x) and mirrors it, in one pass over the output.
 * Plain typed-array arithmetic, ~0.5 ms for 224x224 in V8, several times cheaper than a libvips
 * pipeline's fixed cost for images this small. Augmented views only (not Pillow-exact).
 */
export function cropResizeRgb(pixels: Uint8Array, options: CropResizeRgbOptions): Uint8Array {
  const [, sourceWidth] = options.size;
  const { top, left, height, width } = options.box;
  const [outputHeight, outputWidth] = options.outputSize;
  const output = new Uint8Array(outputHeight * outputWidth * 3);
  // Fixed point: weights in 1/256ths, so the inner loop is small-integer arithmetic in V8.
  const columnLeft = new Int32Array(outputWidth);
  const columnRight = new Int32Array(outputWidth);
  const columnWeight = new Int32Array(outputWidth);
  const columns = bilinearAxis(width, outputWidth);
  for (let x = 0; x < outputWidth; x++) {
    const target = options.flipHorizontal ? outputWidth - 1 - x : x;
    columnLeft[target] = (left + (columns.near[x] as number)) * 3;
    columnRight[target] = (left + (columns.far[x] as number)) * 3;
    columnWeight[target] = columns.weight[x] as number;
  }
  const rows = bilinearAxis(height, outputHeight);
  let out = 0;
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
      // Unrolled over R, G, B; the sum is in 1/65536ths, + 32768 rounds to nearest.
      const upperR = (pixels[a] as number) * keepX + (pixels[b] as number) * weightX;
      const lowerR = (pixels[c] as number) * keepX + (pixels[d] as number) * weightX;
      const upperG = (pixels[a + 1] as number) * keepX + (pixels[b + 1] as number) * weightX;
      const lowerG = (pixels[c + 1] as number) * keepX + (pixels[d + 1] as number) * weightX;
      const upperB = (pixels[a + 2] as number) * keepX + (pixels[b + 2] as number) * weightX;
      const lowerB = (pixels[c + 2] as number) * keepX + (pixels[d + 2] as number) * weightX;
      output[out] = (upperR * keepY + lowerR * weightY + 32768) >> 16;
      output[out + 1] = (upperG * keepY + lowerG * weightY + 32768) >> 16;
      output[out + 2] = (upperB * keepY + lowerB * weightY + 32768) >> 16;
      out += 3;
    }
  }
  return output;
}
