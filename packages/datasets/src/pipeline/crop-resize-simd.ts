import { alignSimd, simdKernel } from '@graft/core';
import { bilinearAxis } from './bilinear-axis.js';
import type { CropResizeRgbOptions } from './crop-resize-rgb.js';
import { cropResizeSimdWasm } from './generated/crop-resize-simd-wasm.js';

/** The exports of crop-resize-simd.wat. */
interface KernelExports {
  memory: WebAssembly.Memory;
  horizontal: (row: number, into: number, columns: number, count: number, reverse: number) => void;
  vertical: (
    upper: number,
    lower: number,
    out: number,
    count: number,
    keep: number,
    weight: number,
    constants: number,
  ) => void;
}

/** The crop, the output and where it goes (`cropResizeInto`'s options less the transform). */
interface SimdCutOptions extends CropResizeRgbOptions {
  /** Float32 buffer the view is written into. */
  target: Float32Array;
  /** First element of the view in `target`. */
  targetOffset: number;
}

const kernel = simdKernel<KernelExports>(cropResizeSimdWasm);

/** True when {@link cropResizeIntoSimd} can run here (WebAssembly with SIMD). */
export function simdAvailable(): boolean {
  return kernel.exports() !== undefined;
}

/**
 * `cropResizeInto` on WebAssembly SIMD: the same column and row plan as the scalar kernel
 * (computed here, in the same float64 arithmetic), the same integer sums and float32
 * multiply-add in the two inner loops, so the output is bit for bit the scalar one. Returns false
 * (writing nothing) where SIMD is unavailable or the frame would need over 64 MiB of its memory.
 */
export function cropResizeIntoSimd(
  pixels: Uint8Array,
  options: SimdCutOptions,
  multiplier: readonly [number, number, number],
  offset: readonly [number, number, number],
  reverseChannels: boolean,
): boolean {
  if (kernel.exports() === undefined) return false;
  const [, sourceWidth] = options.size;
  const { top, left, height, width } = options.box;
  const [outputHeight, outputWidth] = options.outputSize;
  const rowLength = outputWidth * 3;
  // Rows are processed 12 values (4 pixels) a step: pad every row buffer to a multiple of 12.
  const paddedRow = Math.ceil(rowLength / 12) * 12;
  const outputValues = outputHeight * rowLength;
  // Layout (bytes, 16-aligned): constants, column table, two row buffers, output, frame.
  const constantsAt = 0;
  const columnsAt = 96;
  const upperAt = alignSimd(columnsAt + outputWidth * 12);
  const lowerAt = alignSimd(upperAt + (paddedRow + 4) * 4);
  const outputAt = alignSimd(lowerAt + (paddedRow + 4) * 4);
  const frameAt = alignSimd(outputAt + (outputValues - rowLength + paddedRow) * 4);
  const needed = frameAt + pixels.length + 16;
  const memory = kernel.memoryFor(needed);
  if (memory === undefined) return false;
  const { exports, buffer } = memory;
  const floats = new Float32Array(buffer, constantsAt, 24);
  for (let pattern = 0; pattern < 3; pattern++) {
    for (let lane = 0; lane < 4; lane++) {
      const channel = (pattern * 4 + lane) % 3;
      floats[pattern * 4 + lane] = multiplier[channel] as number;
      floats[12 + pattern * 4 + lane] = offset[channel] as number;
    }
  }
  const columns = new Int32Array(buffer, columnsAt, outputWidth * 3);
  const columnPlan = bilinearAxis(width, outputWidth);
  for (let x = 0; x < outputWidth; x++) {
    const column = (options.flipHorizontal ? outputWidth - 1 - x : x) * 3;
    columns[column] = (left + (columnPlan.near[x] as number)) * 3;
    columns[column + 1] = (left + (columnPlan.far[x] as number)) * 3;
    columns[column + 2] = columnPlan.weight[x] as number;
  }
  new Uint8Array(buffer, frameAt, pixels.length).set(pixels);
  const reverse = reverseChannels ? 1 : 0;
  // Each source row's horizontal sums are computed once while consecutive output rows use them.
  const horizontal = (sourceRow: number, into: number): void =>
    exports.horizontal(
      frameAt + (top + sourceRow) * sourceWidth * 3,
      into,
      columnsAt,
      outputWidth,
      reverse,
    );
  let upper = upperAt;
  let lower = lowerAt;
  let upperRow = -1;
  let lowerRow = -1;
  const rows = bilinearAxis(height, outputHeight);
  for (let y = 0; y < outputHeight; y++) {
    const y0 = rows.near[y] as number;
    const y1 = rows.far[y] as number;
    const weightY = rows.weight[y] as number;
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
    // A row's padding spills into the next row's start, which that row then overwrites.
    exports.vertical(
      upper,
      lower,
      outputAt + y * rowLength * 4,
      paddedRow,
      256 - weightY,
      weightY,
      constantsAt,
    );
  }
  options.target.set(new Float32Array(buffer, outputAt, outputValues), options.targetOffset);
  return true;
}
