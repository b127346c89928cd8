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

/** Largest memory the kernel grows to (bytes): 64 MiB, a ~20-megapixel source. */
const maximumKernelBytes = 64 * 1024 * 1024;

/** `undefined`: not tried yet; `null`: this engine has no WebAssembly SIMD. */
let kernel: KernelExports | null | undefined;

/**
 * This thread's instance of the SIMD kernel, or `undefined` where WebAssembly or its SIMD
 * proposal is missing (callers then run the scalar JavaScript kernel). Compiled synchronously
 * once per thread: the module is ~700 bytes.
 */
function kernelExports(): KernelExports | undefined {
  if (kernel === undefined) {
    kernel = null;
    try {
      const bytes = base64Bytes(cropResizeSimdWasm);
      if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
        kernel = instance.exports as unknown as KernelExports;
      }
    } catch {
      kernel = null;
    }
  }
  return kernel ?? undefined;
}

/** True when {@link cropResizeIntoSimd} can run here (WebAssembly with SIMD). */
export function simdAvailable(): boolean {
  return kernelExports() !== undefined;
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
  const exports = kernelExports();
  if (exports === undefined) return false;
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
  const upperAt = align(columnsAt + outputWidth * 12);
  const lowerAt = align(upperAt + (paddedRow + 4) * 4);
  const outputAt = align(lowerAt + (paddedRow + 4) * 4);
  const frameAt = align(outputAt + (outputValues - rowLength + paddedRow) * 4);
  const needed = frameAt + pixels.length + 16;
  // WebAssembly memory never shrinks: an outsized image runs the scalar code rather than
  // leaving this thread holding its size for good.
  if (needed > maximumKernelBytes) return false;
  const memory = exports.memory;
  if (memory.buffer.byteLength < needed) {
    try {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
    } catch {
      return false;
    }
  }
  const buffer = memory.buffer;
  const floats = new Float32Array(buffer, constantsAt, 24);
  for (let pattern = 0; pattern < 3; pattern++) {
    for (let lane = 0; lane < 4; lane++) {
      const channel = (pattern * 4 + lane) % 3;
      floats[pattern * 4 + lane] = multiplier[channel] as number;
      floats[12 + pattern * 4 + lane] = offset[channel] as number;
    }
  }
  const columns = new Int32Array(buffer, columnsAt, outputWidth * 3);
  const scaleX = width / outputWidth;
  for (let x = 0; x < outputWidth; x++) {
    const sourceX = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), width - 1);
    const x0 = Math.floor(sourceX);
    const x1 = Math.min(x0 + 1, width - 1);
    const column = (options.flipHorizontal ? outputWidth - 1 - x : x) * 3;
    columns[column] = (left + x0) * 3;
    columns[column + 1] = (left + x1) * 3;
    columns[column + 2] = Math.round((sourceX - x0) * 256);
  }
  new Uint8Array(buffer, frameAt, pixels.length).set(pixels);
  const reverse = reverseChannels ? 1 : 0;
  // Each source row's horizontal sums are computed once while consecutive output rows use them.
  let upper = upperAt;
  let lower = lowerAt;
  let upperRow = -1;
  let lowerRow = -1;
  const scaleY = height / outputHeight;
  for (let y = 0; y < outputHeight; y++) {
    const sourceY = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), height - 1);
    const y0 = Math.floor(sourceY);
    const y1 = Math.min(y0 + 1, height - 1);
    const weightY = Math.round((sourceY - y0) * 256);
    if (upperRow !== y0) {
      if (lowerRow === y0) {
        const swap = upper;
        upper = lower;
        lower = swap;
        lowerRow = upperRow;
      } else {
        exports.horizontal(
          frameAt + (top + y0) * sourceWidth * 3,
          upper,
          columnsAt,
          outputWidth,
          reverse,
        );
      }
      upperRow = y0;
    }
    if (lowerRow !== y1) {
      exports.horizontal(
        frameAt + (top + y1) * sourceWidth * 3,
        lower,
        columnsAt,
        outputWidth,
        reverse,
      );
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

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}
