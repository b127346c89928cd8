import * as tf from '@tensorflow/tfjs-core';

/** Decodes an image file into `[H, W, 3]` int32 pixels. The caller disposes the tensor. */
export async function imageFileToTensor(file: Blob): Promise<tf.Tensor3D> {
  const bitmap = await createImageBitmap(file);
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d');
    if (context === null) throw new Error('no 2D canvas context');
    context.drawImage(bitmap, 0, 0);
    return tf.browser.fromPixels(context.getImageData(0, 0, bitmap.width, bitmap.height), 3);
  } finally {
    bitmap.close();
  }
}
