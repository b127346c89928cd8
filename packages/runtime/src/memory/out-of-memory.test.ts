// Its own file: vitest runs each file in a fresh process, and a wasm heap that ran out may be
// unusable afterwards.
import '@tensorflow/tfjs-backend-wasm';
import { GraftError, OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardWasmAllocations } from './guard-wasm-allocations.js';
import { isOutOfMemoryError } from './is-out-of-memory-error.js';
import { withOutOfMemoryGuard } from './with-out-of-memory-guard.js';

describe('out of memory on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('recognises the ways backends report running out of memory', () => {
    expect(
      isOutOfMemoryError(new Error('Aborted(OOM). Build with -sASSERTIONS for more info.')),
    ).toBe(true);
    expect(
      isOutOfMemoryError(new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded')),
    ).toBe(true);
    expect(isOutOfMemoryError(new Error('Cannot enlarge memory, requested 4294967296 bytes'))).toBe(
      true,
    );
    expect(isOutOfMemoryError(new Error('x', { cause: new Error('Aborted(OOM)') }))).toBe(true);
    expect(isOutOfMemoryError(new Error('Shapes [2,3] and [4] must match'))).toBe(false);
  });

  it('turns an unguarded >4 GiB wasm allocation failure into OutOfMemoryError', () => {
    // Without the guard, 4.3 GiB wraps around in wasm32 and tfjs fails to view it.
    let caught: unknown;
    try {
      withOutOfMemoryGuard(() => tf.zeros([1100, 1024, 1024]), { during: 'a test allocation' });
    } catch (error) {
      caught = error;
    }
    expect(OutOfMemoryError.isInstance(caught)).toBe(true);
    const error = caught as OutOfMemoryError;
    expect(error.code).toBe('OUT_OF_MEMORY');
    expect(error.backend).toBe('wasm');
    expect(error.message).toMatch(
      /^The wasm backend ran out of memory during a test allocation\. Use smaller micro-batches/,
    );
    expect(String((error.cause as Error).message)).toMatch(/Invalid typed array length/);
  });

  it('guards wasm malloc so heap exhaustion throws instead of writing over address 0', async () => {
    expect(guardWasmAllocations()).toBe(true);
    expect(guardWasmAllocations()).toBe(true);
    const before = tf.memory().numTensors;
    // Just under 4 GiB: malloc cannot grow the heap that far and returns 0 (no memory is touched).
    const caught = await withOutOfMemoryGuard(async () => tf.zeros([2 ** 30 - 4]), {
      during: 'a training step at batch 64',
    }).catch((error: unknown) => error);
    expect(OutOfMemoryError.isInstance(caught)).toBe(true);
    expect(GraftError.isInstance(caught)).toBe(true);
    const error = caught as OutOfMemoryError;
    expect(error.message).toContain(
      'during a training step at batch 64. Use smaller micro-batches',
    );
    expect(String((error.cause as Error).message)).toMatch(
      /allocation of 4\.00 GiB \(heap now .* capped at 4 GiB\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    // The backend is still intact: no tensor was written over the heap.
    const sum = tf.tidy(() => tf.sum(tf.add(tf.ones([64]), 1)).dataSync()[0]);
    expect(sum).toBe(128);
  });

  it('passes other errors and results through', async () => {
    expect(withOutOfMemoryGuard(() => 3, { during: 'x' })).toBe(3);
    await expect(withOutOfMemoryGuard(async () => 4, { during: 'x' })).resolves.toBe(4);
    const failure = new TypeError('not memory');
    expect(() =>
      withOutOfMemoryGuard(
        () => {
          throw failure;
        },
        { during: 'x' },
      ),
    ).toThrow(failure);
    await expect(
      withOutOfMemoryGuard(
        async () => {
          throw failure;
        },
        { during: 'x' },
      ),
    ).rejects.toBe(failure);
  });
});
