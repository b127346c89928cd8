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
    return tf.add(tf.mul(pixels, tf.tensor1d(multiplier)), tf.tensor1d(offset)) as tf.Tensor4D;
  });
}
