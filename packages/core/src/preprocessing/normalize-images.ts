import * as tf from '@tensorflow/tfjs-core';
import type { Preprocessing } from '../types/preprocessing.js';

/**
 * Turns `[N, H, W, 3]` RGB pixels in [0, 255] into network input as `preprocessing` says
 * (channel order, value range, mean/std). Does not resize: pixels must already be at
 * `preprocessing.inputSize`, which the dataset or augmentation pipeline takes care of.
 *
 * Runs in `tf.tidy`; the caller owns and disposes the returned tensor.
 */
export function normalizeImages(images: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  return tf.tidy(() => {
    let pixels: tf.Tensor4D = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
    if (preprocessing.channelOrder === 'bgr') pixels = tf.reverse(pixels, 3);
    const [low, high] = preprocessing.inputRange;
    const scale = (high - low) / 255;
    const mean = preprocessing.mean;
    const std = preprocessing.std;
    // Fold range mapping and mean/std into one multiply-add per channel.
    const multiplier = tf.tensor1d([0, 1, 2].map((channel) => scale / (std[channel] ?? 1)));
    const offset = tf.tensor1d(
      [0, 1, 2].map((channel) => (low - (mean[channel] ?? 0)) / (std[channel] ?? 1)),
    );
    return tf.add(tf.mul(pixels, multiplier), offset) as tf.Tensor4D;
  });
}
