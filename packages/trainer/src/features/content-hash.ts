import type * as tf from '@tensorflow/tfjs-core';

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

/** Cache keys of a batch's images when the dataset gives none: size plus hash of the pixels. */
export async function hashImages(images: tf.Tensor4D): Promise<string[]> {
  const [count, height, width, channels] = images.shape;
  const values = await images.data();
  const stride = height * width * channels;
  const keys: string[] = [];
  for (let index = 0; index < count; index++) {
    const slice = values.subarray(index * stride, (index + 1) * stride);
    keys.push(
      `${height}x${width}:${contentHash(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength))}`,
    );
  }
  return keys;
}
