import { describe, expect, it } from 'vitest';
import { resizeSimdWasm } from '../preprocessing/generated/resize-simd-wasm.js';
import { alignSimd, maximumSimdKernelBytes, simdKernel } from './simd-kernel.js';

describe('simdKernel', () => {
  it('grows the memory to what a call needs, up to the cap and no further', () => {
    const kernel = simdKernel<{ memory: WebAssembly.Memory }>(resizeSimdWasm);
    expect(kernel.exports()).toBeDefined();
    const grown = kernel.memoryFor(3 * 1024 * 1024);
    expect(grown?.buffer.byteLength).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(kernel.memoryFor(maximumSimdKernelBytes + 1)).toBeUndefined();
    // Refused sizes leave the memory as it was.
    expect(kernel.exports()?.memory.buffer.byteLength).toBe(grown?.buffer.byteLength);
  });

  it('is unavailable, not an error, when the module does not compile here', () => {
    const kernel = simdKernel<{ memory: WebAssembly.Memory }>(btoa('not wasm'));
    expect(kernel.exports()).toBeUndefined();
    expect(kernel.memoryFor(16)).toBeUndefined();
  });

  it('aligns offsets to 16 bytes', () => {
    expect([0, 1, 16, 17, 31, 32].map(alignSimd)).toEqual([0, 16, 16, 32, 32, 32]);
  });
});
