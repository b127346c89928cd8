import { type Preprocessing, resizeImage } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Brings `[N, h, w, 3]` pixels in [0, 255] to `preprocessing.inputSize` with `resizeImage` from
 * `@graft/core`, the resize every Graft entry point uses (decode pipeline, worker pool, browser),
 * so a tensor of a photo predicts exactly what the same photo read from a file predicts. Pixels
 * are 8-bit values: fractional ones are rounded, as decoding would have. The pixels are read
 * back from the backend for this (a tensor at the input size is used as it is, without a copy).
 * Returns the input itself when it already has the size; otherwise a new float32 tensor the
 * caller disposes.
 */
export function resizeToInput(images: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  const [count, height, width] = images.shape;
  const [targetHeight, targetWidth] = preprocessing.inputSize;
  if (height === targetHeight && width === targetWidth) return images;
  const values = images.dataSync();
  const pixelsIn = height * width * 3;
  const pixelsOut = targetHeight * targetWidth * 3;
  const output = new Float32Array(count * pixelsOut);
  // A clamped array clips to [0, 255] on assignment; values are rounded half up first.
  const clamped = new Uint8ClampedArray(pixelsIn);
  const image = new Uint8Array(clamped.buffer);
  for (let index = 0; index < count; index++) {
    for (let position = 0; position < pixelsIn; position++) {
      clamped[position] = Math.round(values[index * pixelsIn + position] as number);
    }
    const resized = resizeImage(
      { width, height, data: image },
      { imageSize: preprocessing.inputSize, resize: preprocessing.resize },
    );
    output.set(resized, index * pixelsOut);
  }
  return tf.tensor4d(output, [count, targetHeight, targetWidth, 3], 'float32');
}
