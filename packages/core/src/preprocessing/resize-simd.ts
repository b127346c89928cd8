import { alignSimd, simdKernel } from '../wasm/simd-kernel.js';
import { resizeSimdWasm } from './generated/resize-simd-wasm.js';
import { padColumnWindows, widestWindow } from './horizontal-pass.js';
import type { Coefficients } from './resample-coefficients.js';

/** The exports of resize-simd.wat. */
interface KernelExports {
  memory: WebAssembly.Memory;
  horizontal: (
    source: number,
    rowBytes: number,
    rowCount: number,
    into: number,
    targetWidth: number,
    offsets: number,
    weights: number,
    span: number,
  ) => void;
  vertical: (
    intermediate: number,
    stride: number,
    into: number,
    targetHeight: number,
    starts: number,
    counts: number,
    weights: number,
    taps: number,
    paddedStride: number,
  ) => void;
}

const kernel = simdKernel<KernelExports>(resizeSimdWasm);

/** True when {@link resizePassesSimd} can run here (WebAssembly with SIMD). */
export function resizeSimdAvailable(): boolean {
  return kernel.exports() !== undefined;
}

/** Options of {@link resizePassesSimd}: what `resizeImage` hands its two scalar passes. */
export interface ResizePassesOptions {
  /** Source RGB bytes, `width` pixels a row. */
  data: Uint8Array;
  /** Source width in pixels. */
  width: number;
  /** First source row the vertical pass reads. */
  firstRow: number;
  /** Source rows the horizontal pass resamples. */
  rowCount: number;
  /** Output width (kept columns). */
  targetWidth: number;
  /** Output height (kept rows). */
  targetHeight: number;
  /** Horizontal taps per output column. */
  columns: Coefficients;
  /** Vertical taps per output row. */
  rows: Coefficients;
}

/**
 * `horizontalPass` then `verticalPass` on WebAssembly SIMD, with the same padded tap plan and
 * Pillow's int32 fixed point, so the bytes are the scalar passes' bytes. Returns `undefined`
 * (nothing computed) where SIMD is missing or a window is wider than the row (the scalar passes'
 * unpadded case), or the image would need over 64 MiB of kernel memory.
 */
export function resizePassesSimd(options: ResizePassesOptions): Uint8Array | undefined {
  const { data, width, firstRow, rowCount, targetWidth, targetHeight, columns, rows } = options;
  const span = widestWindow(columns, targetWidth);
  if (span > width || span === 0) return undefined;
  if (kernel.exports() === undefined) return undefined;
  const stride = targetWidth * 3;
  const paddedStride = Math.ceil(stride / 16) * 16;
  const rowBytes = width * 3;
  // Layout (bytes, 16-aligned): column offsets and padded weights, row starts, counts and
  // weights, the source rows, the intermediate rows, the output.
  const offsetsAt = 0;
  const columnWeightsAt = alignSimd(offsetsAt + targetWidth * 4);
  const startsAt = alignSimd(columnWeightsAt + targetWidth * span * 4);
  const countsAt = alignSimd(startsAt + targetHeight * 4);
  const rowWeightsAt = alignSimd(countsAt + targetHeight * 4);
  const sourceAt = alignSimd(rowWeightsAt + targetHeight * rows.taps * 4);
  const intermediateAt = alignSimd(sourceAt + rowCount * rowBytes + 16);
  const outputAt = alignSimd(intermediateAt + rowCount * stride + 16);
  const needed = outputAt + targetHeight * stride + 16;
  const memory = kernel.memoryFor(needed);
  if (memory === undefined) return undefined;
  const { exports, buffer } = memory;
  // The scalar pass's plan: every column gets `span` taps, its window moved inside the row.
  const offsets = new Int32Array(buffer, offsetsAt, targetWidth);
  const padded = new Int32Array(buffer, columnWeightsAt, targetWidth * span);
  padded.fill(0);
  padColumnWindows({ columns, width, targetWidth, span, offsets, padded });
  const starts = new Int32Array(buffer, startsAt, targetHeight);
  for (let row = 0; row < targetHeight; row++) {
    starts[row] = ((rows.first[row] as number) - firstRow) * stride;
  }
  new Int32Array(buffer, countsAt, targetHeight).set(rows.count.subarray(0, targetHeight));
  new Int32Array(buffer, rowWeightsAt, targetHeight * rows.taps).set(
    rows.weights.subarray(0, targetHeight * rows.taps),
  );
  new Uint8Array(buffer, sourceAt, rowCount * rowBytes).set(
    data.subarray(firstRow * rowBytes, (firstRow + rowCount) * rowBytes),
  );
  exports.horizontal(
    sourceAt,
    rowBytes,
    rowCount,
    intermediateAt,
    targetWidth,
    offsetsAt,
    columnWeightsAt,
    span,
  );
  exports.vertical(
    intermediateAt,
    stride,
    outputAt,
    targetHeight,
    startsAt,
    countsAt,
    rowWeightsAt,
    rows.taps,
    paddedStride,
  );
  return new Uint8Array(buffer, outputAt, targetHeight * stride).slice();
}
