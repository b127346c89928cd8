import { describe, expect, it } from 'vitest';
import { ownedArray } from './owned-array.js';

describe('ownedArray', () => {
  it('keeps an array that spans its buffer, and copies a view into a larger one', () => {
    const whole = new Float32Array([1, 2, 3]);
    expect(ownedArray(whole)).toBe(whole);
    const buffer = new Uint8Array([9, 8, 7, 6, 5]);
    const view = buffer.subarray(1, 4);
    const owned = ownedArray(view);
    expect(owned).not.toBe(view);
    expect(Array.from(owned)).toEqual([8, 7, 6]);
    expect(owned.byteOffset).toBe(0);
    expect(owned.buffer.byteLength).toBe(3);
    // Transferring the copy leaves the original buffer intact.
    structuredClone(owned, { transfer: [owned.buffer as ArrayBuffer] });
    expect(Array.from(buffer)).toEqual([9, 8, 7, 6, 5]);
    const prefix = new Int32Array(new ArrayBuffer(16), 0, 2);
    expect(ownedArray(prefix)).not.toBe(prefix);
  });
});
