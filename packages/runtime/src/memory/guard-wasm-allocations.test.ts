// Its own file: vitest runs each file in a fresh process, so the guard is installed on a wasm
// module that has not allocated anything yet (emscripten's lazy `_malloc` stub still in place).
import '@tensorflow/tfjs-backend-wasm';
import { OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardWasmAllocations, wasmHeapReserveBytes } from './guard-wasm-allocations.js';
import { isOutOfMemoryError } from './is-out-of-memory-error.js';

const guarded = Symbol.for('graft.runtime.wasmAllocationGuard');
const wasmModule = () =>
  (tf.findBackend('wasm') as unknown as { wasm: { _malloc: { [guarded]?: true } } }).wasm;

describe('guardWasmAllocations on a fresh wasm module', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('stays installed after the first allocation', () => {
    expect(guardWasmAllocations()).toBe(true);
    tf.tidy(() => tf.ones([16]).dataSync());
    expect(wasmModule()._malloc[guarded]).toBe(true);
  });

  it('refuses a tensor reaching into the reserve at the top of the heap, leaving the backend usable', () => {
    guardWasmAllocations();
    const before = tf.memory().numTensors;
    // Fits under the 4 GiB cap, but not under the cap less the reserve.
    const elements = Math.floor((2 ** 32 - wasmHeapReserveBytes / 2) / 4);
    let caught: unknown;
    try {
      tf.zeros([elements]);
    } catch (error) {
      caught = error;
    }
    expect(OutOfMemoryError.isInstance(caught)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const sum = tf.tidy(() => tf.sum(tf.mul(tf.ones([1024, 1024]), 2)).dataSync()[0]);
    expect(sum).toBe(2 * 1024 * 1024);
  });

  it('recognises the bare aborts of the wasm module as running out of memory', () => {
    expect(isOutOfMemoryError(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toBe(
      true,
    );
    expect(isOutOfMemoryError(new Error('RuntimeError: memory access out of bounds'))).toBe(true);
  });
});
