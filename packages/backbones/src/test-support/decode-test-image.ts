import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import * as jpeg from 'jpeg-js';

/**
 * Test helper: decodes a JPEG (jpeg-js) or an uncompressed 24-bit BMP to an RGB `[H, W, 3]`
 * float32 tensor of values in [0, 255]. The caller disposes it.
 */
export async function decodeTestImage(path: string): Promise<tf.Tensor3D> {
  const bytes = await readFile(path);
  if (/\.bmp$/i.test(path)) return decodeBmp24(bytes, path);
  const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
}

/**
 * 24-bit uncompressed BMP (any header version; bmp-js 0.1 ignores the pixel-data offset and
 * misreads BITMAPV5 files, hence these lines): rows bottom-up unless the height is negative,
 * BGR pixels, rows padded to 4 bytes.
 */
function decodeBmp24(bytes: Buffer, path: string): tf.Tensor3D {
  const offset = bytes.readUInt32LE(10);
  const width = bytes.readInt32LE(18);
  const signedHeight = bytes.readInt32LE(22);
  const bitsPerPixel = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  if (bytes.toString('latin1', 0, 2) !== 'BM' || bitsPerPixel !== 24 || compression !== 0) {
    throw new Error(`${path}: only uncompressed 24-bit BMPs are supported`);
  }
  const height = Math.abs(signedHeight);
  const stride = Math.ceil((width * 3) / 4) * 4;
  const rgb = new Float32Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const sourceRow = signedHeight > 0 ? height - 1 - row : row;
    for (let column = 0; column < width; column++) {
      const source = offset + sourceRow * stride + column * 3;
      const target = (row * width + column) * 3;
      rgb[target] = bytes[source + 2] ?? 0;
      rgb[target + 1] = bytes[source + 1] ?? 0;
      rgb[target + 2] = bytes[source] ?? 0;
    }
  }
  return tf.tensor3d(rgb, [height, width, 3]);
}
