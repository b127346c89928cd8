import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { ResizePolicy } from '../types/preprocessing.js';
import { horizontalPass } from './horizontal-pass.js';
import { coefficients, filters } from './resample-coefficients.js';
import { checkResizeOptions, resizeGeometry } from './resize-geometry.js';
import { nearest } from './resize-nearest.js';
import { resizePassesSimd } from './resize-simd.js';
import type { RgbPixels } from './rgb-pixels.js';
import { verticalPass } from './vertical-pass.js';

export type { RgbPixels } from './rgb-pixels.js';

/** Options of {@link resizeImage}. */
export interface ResizeImageOptions {
  /** `[height, width]` of the result. */
  imageSize: readonly [number, number];
  /** How the image reaches `imageSize` (stretch or center-crop, filter, antialiasing). */
  resize: ResizePolicy;
}

/**
 * Brings RGB pixels of any size to `imageSize` as `resize` says: the geometry of
 * `resizeGeometry`, then Pillow's `Image.resize` (two separable passes, horizontal first, each
 * rounded to 8 bits in Pillow's 22-bit fixed point) and the crop. Bit-identical to
 * `img.resize((w, h), Image.BILINEAR).crop(...)` in Pillow (and so to torchvision's `Resize` +
 * `CenterCrop` on PIL images); only the kept window is computed. Returns `imageSize` bytes
 * `height * width * 3`. An image already at `imageSize` is returned as it is, not cropped: the
 * one place Graft differs from torchvision (which would scale a 224² image to 256² and crop).
 * Node, workers and browsers run this same function; both passes run on WebAssembly SIMD where
 * the engine has it (`resize-simd.wat`, the same int32 fixed point, so the same bytes; ~4x less
 * CPU on ants/bees), the scalar JavaScript passes elsewhere.
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
  if (columns && rows) {
    // Both passes on WebAssembly SIMD where it runs (the same bytes), else the scalar passes.
    const resized = resizePassesSimd({
      data,
      width,
      firstRow,
      rowCount,
      targetWidth,
      targetHeight,
      columns,
      rows,
    });
    if (resized) return resized;
  }
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

  return verticalPass(intermediate, firstRow, rows, targetWidth, targetHeight);
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
