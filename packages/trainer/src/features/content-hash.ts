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
  return pixelKeys((await images.data()) as Float32Array | Int32Array, images.shape);
}

/**
 * The keys {@link hashImages} gives, of pixel values on the host: one per image of `shape`, its
 * size and the hash of its values' bytes. RGB bytes are widened to float32 first, so a batch of
 * bytes and the same batch as a float tensor get the same keys.
 */
export function pixelKeys(
  values: Uint8Array | Float32Array | Int32Array,
  shape: readonly [number, number, number, number],
): string[] {
  const [count, height, width, channels] = shape;
  const stride = height * width * channels;
  const widened = values instanceof Uint8Array ? Float32Array.from(values) : values;
  return Array.from({ length: count }, (_, index) => {
    const slice = widened.subarray(index * stride, (index + 1) * stride);
    return `${height}x${width}:${contentHash(new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength))}`;
  });
}
