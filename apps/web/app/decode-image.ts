import type { Preprocessing } from '@graft/core';
import { decodeInBrowser, resizePixels } from '@graft/datasets';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Decodes an image file into `[H, W, 3]` int32 pixels. With `preprocessing`, the image is
 * brought to its input size by `resizeImage` from `@graft/core` (through datasets'
 * `resizePixels`): the very function the Node pipeline, the trainer and the worker pool use, so
 * the playground predicts what `graft predict` predicts for the same file. The browser only
 * decodes (at the image's own size, EXIF orientation applied, alpha dropped); a canvas resize
 * would resample differently in every browser. The caller disposes the tensor.
 */
export async function imageFileToTensor(
  file: Blob,
  preprocessing?: Preprocessing,
): Promise<tf.Tensor3D> {
  const name = file instanceof File ? file.name : 'image';
  const decoded = await decodeInBrowser(new Uint8Array(await file.arrayBuffer()), name);
  if (preprocessing === undefined) {
    return tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
  }
  const [height, width] = preprocessing.inputSize;
  const pixels = resizePixels(decoded, preprocessing.inputSize, preprocessing.resize);
  return tf.tensor3d(pixels, [height, width, 3], 'int32');
}
