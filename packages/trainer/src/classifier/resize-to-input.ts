import type { Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Brings `[N, h, w, 3]` pixels to `preprocessing.inputSize` as its resize policy says
 * (`stretch`, or `center-crop` of the shorter side by `cropFraction`). Returns the input itself
 * when it already has the size; otherwise a new tensor the caller disposes.
 */
export function resizeToInput(images: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  const [, height, width] = images.shape;
  const [targetHeight, targetWidth] = preprocessing.inputSize;
  if (height === targetHeight && width === targetWidth) return images;
  return tf.tidy(() => {
    let pixels = images;
    if (preprocessing.resize.mode === 'center-crop') {
      const fraction = preprocessing.resize.cropFraction ?? 0.875;
      // Crop the centred region that becomes the target after resizing the shorter side.
      const scale = Math.min(height / targetHeight, width / targetWidth) * fraction;
      const cropHeight = Math.min(height, Math.round(targetHeight * scale));
      const cropWidth = Math.min(width, Math.round(targetWidth * scale));
      const top = Math.floor((height - cropHeight) / 2);
      const left = Math.floor((width - cropWidth) / 2);
      pixels = tf.slice(pixels, [0, top, left, 0], [-1, cropHeight, cropWidth, -1]);
    }
    return preprocessing.resize.interpolation === 'nearest'
      ? tf.image.resizeNearestNeighbor(pixels, [targetHeight, targetWidth])
      : tf.image.resizeBilinear(pixels, [targetHeight, targetWidth], true);
  });
}
