/**
 * A 64-bit FNV-1a hash (two 32-bit lanes with different offsets) of raw bytes, as 16 hex digits.
 * Not cryptographic: it names images in a feature cache when the dataset gives no keys, and
 * runs in browsers too (no `node:crypto`).
 */
export function contentHash(bytes: Uint8Array): string {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number;
    low = Math.imul(low ^ byte, 0x01000193) >>> 0;
    high = Math.imul(high ^ byte ^ (index & 0xff), 0x01000193) >>> 0;
  }
  return low.toString(16).padStart(8, '0') + high.toString(16).padStart(8, '0');
}
