import type { RgbPixels } from './rgb-pixels.js';

/**
 * Pillow's NEAREST resize (`ImagingScaleAffine`): the source coordinate starts at half a step and
 * is accumulated step by step, as Pillow does, then truncated.
 */
export function nearest(
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
