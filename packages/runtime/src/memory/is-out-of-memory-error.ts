import { OutOfMemoryError } from '@graft/core';

/**
 * How backends report running out of memory: emscripten aborts of the wasm heap (capped at
 * 4 GiB), failed `WebAssembly.Memory` growth, typed-array views past the heap (a >4 GiB request
 * wraps around in wasm32), TensorFlow's native OOM, and WebGL/WebGPU allocation failures. A bare
 * `Aborted()` or a `memory access out of bounds` trap of the wasm module is how tfjs-backend-wasm
 * fails when an allocation of its own code (not a tensor's) finds the heap full.
 */
const patterns: RegExp[] = [
  /Aborted\(OOM\)/i,
  /Aborted\(\)/,
  /memory access out of bounds/i,
  /Cannot enlarge memory/i,
  /WebAssembly\.Memory/i,
  /could not allocate memory/i,
  /Out of memory/i,
  /OOM when allocating/i,
  /Array buffer allocation failed/i,
  /Invalid typed array length/i,
  /failed to grow memory/i,
  /Failed to allocate (texture|buffer)/i,
];

/** Whether `error` (or its cause chain) says a backend ran out of memory. */
export function isOutOfMemoryError(error: unknown): boolean {
  for (let current = error, depth = 0; current != null && depth < 5; depth++) {
    if (OutOfMemoryError.isInstance(current)) return true;
    const message =
      current instanceof Error ? `${current.name}: ${current.message}` : String(current);
    if (patterns.some((pattern) => pattern.test(message))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
