import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';

/**
 * Decodes an image file or buffer (JPEG, PNG, WebP, GIF, TIFF, …) to a `[H, W, 3]` float32
 * tensor in [0, 255], honouring EXIF orientation. The caller disposes it.
 */
export async function decodeImage(source: string | Uint8Array): Promise<tf.Tensor3D> {
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await sharp(source)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new FileFormatError({
      file: typeof source === 'string' ? source : '<buffer>',
      problem: `cannot be decoded as an image (${(error as Error).message})`,
      cause: error,
    });
  }
  const { width, height, channels } = decoded.info;
  return tf.tidy(() => {
    const pixels = tf.tensor3d(new Uint8Array(decoded.data), [height, width, channels], 'int32');
    const rgb = channels === 3 ? pixels : tf.slice(pixels, [0, 0, 0], [-1, -1, 3]);
    return tf.cast(rgb, 'float32') as tf.Tensor3D;
  });
}
