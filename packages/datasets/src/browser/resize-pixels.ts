import { type ResizePolicy, resizeImage } from '@graft/core';
import type { DecodedImage } from '../decoders/decoded-image.js';

/**
 * Resizes decoded RGB pixels to `imageSize` following `policy`, in the browser or anywhere else:
 * the same `resizeImage` (Pillow's resampling, bit for bit) the Node pipeline and the trainer
 * use, so a model sees the same pixels whichever entry point decoded the file.
 */
export function resizePixels(
  image: DecodedImage,
  imageSize: readonly [number, number],
  policy: ResizePolicy,
): Uint8Array {
  return resizeImage(image, { imageSize, resize: policy });
}
