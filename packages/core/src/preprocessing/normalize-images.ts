import * as tf from '@tensorflow/tfjs-core';
import type { Preprocessing } from '../types/preprocessing.js';
import { normalizationConstants } from './normalize-pixels.js';

/**
 * Turns `[N, H, W, 3]` RGB pixels in [0, 255] into network input as `preprocessing` says
 * (channel order, value range, mean/std). Does not resize: pixels must already be at
 * `preprocessing.inputSize` (see `resizeImage`), which the dataset pipeline takes care of.
 * The tensor twin of `normalizePixels` (same constants, same float32 multiply-add).
 *
 * Runs in `tf.tidy`; the caller owns and disposes the returned tensor.
 */
export function normalizeImages(images: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => {
    let pixels: tf.Tensor4D = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
    if (preprocessing.channelOrder === 'bgr') pixels = tf.reverse(pixels, 3);
    const { multiplier, offset } = normalizationConstants(preprocessing);
    const [, height, width] = pixels.shape;
    // Same float32 multiply-add per element either way. tfjs-wasm's broadcast of a [3] vector
    // over [N, H, W, 3] takes a slow per-element index path (~10x a same-shape op, measured
    // 4 ms per 224 image); scalars, or constants tiled to [H, W, 3] (broadcast over N only),
    // take the fast one.
    const constant = (values: readonly number[]) =>
      values.every((value) => value === values[0])
        ? tf.scalar(values[0] as number)
        : tf.tile(tf.tensor3d([...values], [1, 1, 3]), [height, width, 1]);
    return tf.add(tf.mul(pixels, constant(multiplier)), constant(offset)) as tf.Tensor4D;
  });
}
