import type { Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Decodes an image file into `[H, W, 3]` int32 pixels. With `preprocessing`, the image is
 * brought to its input size on a canvas with high-quality (antialiased) smoothing, following
 * the stored policy (`stretch`, or `center-crop` by `cropFraction`, the geometry of the
 * trainer's `resizeToInput`): a plain bilinear resize of a large photo aliases, and the Node
 * pipeline that trained and evaluated the model resamples with antialiasing. The caller disposes
 * the tensor.
 */
export async function imageFileToTensor(
  file: Blob,
  preprocessing?: Preprocessing,
): Promise<tf.Tensor3D> {
  const bitmap = await createImageBitmap(file);
  try {
    let crop = { left: 0, top: 0, width: bitmap.width, height: bitmap.height };
    let [targetHeight, targetWidth] = [bitmap.height, bitmap.width];
    if (preprocessing) {
      [targetHeight, targetWidth] = preprocessing.inputSize;
      if (preprocessing.resize.mode === 'center-crop') {
        const fraction = preprocessing.resize.cropFraction ?? 0.875;
        const scale = Math.min(bitmap.height / targetHeight, bitmap.width / targetWidth) * fraction;
        const height = Math.min(bitmap.height, Math.round(targetHeight * scale));
        const width = Math.min(bitmap.width, Math.round(targetWidth * scale));
        crop = {
          left: Math.floor((bitmap.width - width) / 2),
          top: Math.floor((bitmap.height - height) / 2),
          width,
          height,
        };
      }
    }
    const canvas = document.createElement('canvas');
    canvas.width = targetWidth;
    canvas.height = targetHeight;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('no 2D canvas context');
    context.imageSmoothingEnabled = preprocessing?.resize.interpolation !== 'nearest';
    context.imageSmoothingQuality = 'high';
    context.drawImage(
      bitmap,
      crop.left,
      crop.top,
      crop.width,
      crop.height,
      0,
      0,
      targetWidth,
      targetHeight,
    );
    return tf.browser.fromPixels(context.getImageData(0, 0, targetWidth, targetHeight), 3);
  } finally {
    bitmap.close();
  }
}
