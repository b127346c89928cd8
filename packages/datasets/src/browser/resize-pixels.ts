import { InvalidArgumentError, type ResizePolicy } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DecodedImage } from '../decoders/decoded-image.js';
import { resizeGeometry } from '../pipeline/resize-geometry.js';

/**
 * Resizes RGB pixels to `imageSize` with tfjs (`resizeBilinear` / `resizeNearestNeighbor`,
 * half-pixel centres) following `policy`, for places without sharp (the browser). tfjs has no
 * bicubic kernel, so `bicubic` is an `InvalidArgumentError` here. Runs in `tf.tidy`; returns bytes.
 */
export function resizePixels(
  image: DecodedImage,
  imageSize: readonly [number, number],
  policy: ResizePolicy,
): Uint8Array {
  const [targetHeight, targetWidth] = imageSize;
  if (image.width === targetWidth && image.height === targetHeight) return image.data;
  if (policy.interpolation === 'bicubic') {
    throw new InvalidArgumentError({
      argument: 'resize.interpolation',
      value: policy.interpolation,
      expected: 'must be bilinear or nearest outside Node (tfjs has no bicubic resize)',
    });
  }
  const geometry = resizeGeometry(image.width, image.height, imageSize, policy);
  const values = tf.tidy(() => {
    const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    const size: [number, number] = [geometry.resizeHeight, geometry.resizeWidth];
    const resized =
      policy.interpolation === 'nearest'
        ? tf.image.resizeNearestNeighbor(pixels, size, false, true)
        : tf.image.resizeBilinear(pixels, size, false, true);
    const cropped = tf.slice(
      resized,
      [geometry.top, geometry.left, 0],
      [targetHeight, targetWidth, 3],
    );
    return tf.clipByValue(tf.round(cropped), 0, 255).dataSync();
  });
  return Uint8Array.from(values);
}
