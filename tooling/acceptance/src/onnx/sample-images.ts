import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as jpeg from 'jpeg-js';

/** Where the shared ImageNet sample photos are (see $GRAFT_SHARED_DIR/ASSETS.md). */
export const sampleImagesDir = join(process.env.GRAFT_SHARED_DIR ?? '', 'images/imagenet-samples');

/**
 * Test helper: the first `count` sample photos (sorted names, JPEG and BMP), resized to 224
 * (bilinear) and preprocessed as `preprocessing` says: `[count, 224, 224, 3]`. Caller disposes.
 */
export async function samplePhotos(
  preprocessing: Preprocessing,
  count: number,
  skip = 0,
): Promise<tf.Tensor4D> {
  const files = readdirSync(sampleImagesDir)
    .filter((file) => /\.(jpe?g|bmp)$/i.test(file))
    .sort()
    .slice(skip, skip + count);
  if (files.length < count)
    throw new Error(`only ${files.length} sample photos in ${sampleImagesDir}`);
  return photosNamed(preprocessing, files);
}

/** Test helper: the named sample photos, resized and preprocessed like {@link samplePhotos}. */
export async function photosNamed(
  preprocessing: Preprocessing,
  files: readonly string[],
): Promise<tf.Tensor4D> {
  const images = await Promise.all(files.map((file) => decodeImage(join(sampleImagesDir, file))));
  const { mean, std, inputRange } = preprocessing;
  const batch = tf.tidy(() => {
    const resized = images.map((image) => tf.image.resizeBilinear(image, [224, 224]));
    const unit = tf.div(tf.stack(resized), 255);
    const ranged = tf.add(tf.mul(unit, inputRange[1] - inputRange[0]), inputRange[0]);
    return tf.div(tf.sub(ranged, tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D;
  });
  tf.dispose(images);
  return batch;
}

/** JPEG (jpeg-js) or uncompressed 24-bit BMP → RGB `[H, W, 3]` float32 in [0, 255]. */
async function decodeImage(path: string): Promise<tf.Tensor3D> {
  const bytes = await readFile(path);
  if (!/\.bmp$/i.test(path)) {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    return tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
  }
  const offset = bytes.readUInt32LE(10);
  const width = bytes.readInt32LE(18);
  const signedHeight = bytes.readInt32LE(22);
  if (bytes.readUInt16LE(28) !== 24 || bytes.readUInt32LE(30) !== 0) {
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
