import { OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

const guarded = Symbol.for('graft.runtime.wasmAllocationGuard');
const heapLimitBytes = 2 ** 32;
/** emscripten's `getHeapMax()` in tfjs-backend-wasm 4.22: 4 GiB less one 64 KiB page. */
const heapMaximumBytes = 2 ** 32 - 2 ** 16;
/**
 * Top of the heap kept free of tensors, for the allocations the wasm code makes itself (operator
 * scratch, tensor bookkeeping). Those do not go through `_malloc` from JS and abort the module
 * (`Aborted()`, or a `memory access out of bounds` trap) when they fail, so tensors must fail first.
 */
export const wasmHeapReserveBytes = 128 * 2 ** 20;

interface WasmModule {
  _malloc: ((bytes: number) => number) & { [guarded]?: true };
  _free?: (address: number) => void;
  HEAPU8?: Uint8Array;
}

/**
 * Makes wasm heap exhaustion an error instead of an abort or silent corruption. tfjs-backend-wasm
 * 4.22 does not check `_malloc`'s result: when the 4 GiB heap cannot grow, malloc returns 0 and
 * the tensor is written over address 0, and a request of 4 GiB or more wraps around (wasm32) to a
 * small block. The guard wraps the backend's `_malloc` to throw core's `OutOfMemoryError` in
 * those cases and when a tensor would reach into the top {@link wasmHeapReserveBytes} of the
 * heap, before anything is written, so the module's own allocations still succeed and the
 * backend stays usable. Idempotent; returns whether the wasm backend was found.
 */
export function guardWasmAllocations(): boolean {
  const backend = tf.findBackend('wasm') as { wasm?: WasmModule } | null;
  const module = backend?.wasm;
  if (module === undefined || typeof module._malloc !== 'function') return false;
  if (module._malloc[guarded] === true) return true;
  // emscripten exports `_malloc` as a lazy stub that replaces itself (`Module._malloc = asm.malloc`)
  // on its first call, which would drop a wrapper installed before: call it once first.
  if (typeof module._free === 'function') module._free(module._malloc(8));
  const original = module._malloc.bind(module);
  const free = module._free?.bind(module);
  const softLimit = heapMaximumBytes - wasmHeapReserveBytes;
  const guard = (bytes: number): number => {
    if (bytes >= heapLimitBytes) throw allocationError(bytes, module);
    const address = original(bytes) >>> 0;
    if (address === 0 && bytes > 0) throw allocationError(bytes, module);
    if (address + bytes > softLimit && free !== undefined) {
      free(address);
      throw allocationError(bytes, module);
    }
    return address;
  };
  module._malloc = Object.assign(guard, { [guarded]: true as const });
  return true;
}

function allocationError(bytes: number, module: WasmModule): OutOfMemoryError {
  const heap = module.HEAPU8?.length;
  return new OutOfMemoryError({
    backend: 'wasm',
    during: `an allocation of ${formatBytes(bytes)}${heap === undefined ? '' : ` (heap now ${formatBytes(heap)}, capped at 4 GiB)`}`,
    advice:
      'Use smaller micro-batches (gradient accumulation keeps the effective batch), a smaller input size, or fewer trainable layers.',
  });
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
