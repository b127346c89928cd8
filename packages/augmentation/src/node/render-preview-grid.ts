import { type ImageAugmentation, InvalidArgumentError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { decodeImage } from './decode-image.js';

/** Options of {@link renderPreviewGrid}. */
export interface RenderPreviewGridOptions {
  /** Image paths or encoded buffers; variants cycle through them (mixup/cutmix need two or more). */
  images: ReadonlyArray<string | Uint8Array>;
  /** The pipeline to preview. */
  augmentation: ImageAugmentation;
  /** Grid rows. Default 3. */
  rows?: number;
  /** Grid columns. Default 4. */
  columns?: number;
  /** Seed of the augmentation call. Default 0. */
  seed?: number;
  /** Size the inputs are resized to before augmenting, `[height, width]`. Default: the first image's size, capped at 512 on the long side. */
  inputSize?: [number, number];
  /** Show the (resized) first input in the top-left cell. Default true. */
  includeOriginal?: boolean;
  /** Pixels between cells. Default 4. */
  gap?: number;
  /** Where to write the PNG (atomically). If absent, only the bytes are returned. */
  output?: string;
}

/**
 * Renders augmented variants of images as a PNG grid, so a person can see what a pipeline
 * does. Values outside [0, 255] (after `normalize`) are mapped back linearly from the batch's
 * own range. Needs a tfjs backend to be set by the caller. Returns the PNG bytes.
 */
export async function renderPreviewGrid(options: RenderPreviewGridOptions): Promise<Buffer> {
  const rows = positive('rows', options.rows ?? 3);
  const columns = positive('columns', options.columns ?? 4);
  const gap = options.gap ?? 4;
  const includeOriginal = options.includeOriginal ?? true;
  if (!Array.isArray(options.images) || options.images.length === 0) {
    throw new InvalidArgumentError({
      argument: 'images',
      value: options.images,
      expected: 'must list at least one image path or buffer',
    });
  }
  if (rows * columns < (includeOriginal ? 2 : 1)) {
    throw new InvalidArgumentError({
      argument: 'rows',
      value: rows,
      expected: `must leave room for at least one variant (rows x columns = ${rows * columns})`,
    });
  }
  // Everything created here is disposed in `finally`, also when decoding or augmenting throws.
  const owned: tf.Tensor[] = [];
  const decoded: tf.Tensor3D[] = [];
  let grid: tf.Tensor3D;
  try {
    for (const image of options.images) {
      const pixels = await decodeImage(image);
      owned.push(pixels);
      decoded.push(pixels);
    }
    const first = decoded[0] as tf.Tensor3D;
    const [firstHeight, firstWidth] = first.shape;
    const cap = 512 / Math.max(firstHeight, firstWidth, 512);
    const inputSize = options.inputSize ?? [
      Math.round(firstHeight * cap),
      Math.round(firstWidth * cap),
    ];
    const inputs = tf.tidy(() =>
      tf.stack(decoded.map((image) => tf.image.resizeBilinear(image, inputSize, false, true))),
    ) as tf.Tensor4D;
    owned.push(inputs);
    const cells = rows * columns;
    const variants = cells - (includeOriginal ? 1 : 0);
    const indices = Array.from({ length: variants }, (_, index) => index % decoded.length);
    const batchImages = tf.tidy(() => tf.gather(inputs, tf.tensor1d(indices, 'int32')));
    const labels = tf.tensor1d(indices, 'int32');
    owned.push(batchImages, labels);
    const augmented = options.augmentation.apply(
      { images: batchImages as tf.Tensor4D, labels },
      // Each source image is its own class; at least 2, as one-hot mixing (mixup, cutmix) needs.
      { seed: options.seed ?? 0, numClasses: Math.max(2, decoded.length) },
    );
    owned.push(augmented.images, augmented.labels);
    grid = tf.tidy(() => {
      const [, cellHeight, cellWidth] = augmented.images.shape;
      let pixels: tf.Tensor4D = augmented.images;
      const low = tf.min(pixels).dataSync()[0] ?? 0;
      const high = tf.max(pixels).dataSync()[0] ?? 255;
      if (low < -1e-3 || high > 255.001) {
        pixels = tf.mul(tf.sub(pixels, low), 255 / Math.max(high - low, 1e-6));
      }
      const parts: tf.Tensor4D[] = [];
      if (includeOriginal) {
        parts.push(
          tf.image.resizeBilinear(tf.slice(inputs, [0], [1]), [cellHeight, cellWidth], false, true),
        );
      }
      parts.push(pixels);
      const all = tf.clipByValue(tf.concat(parts, 0), 0, 255);
      // White gap on the bottom and right of every cell, then tile [rows, columns] cells.
      const padded = tf.pad(
        all,
        [
          [0, 0],
          [0, gap],
          [0, gap],
          [0, 0],
        ],
        255,
      );
      const tiled = tf.reshape(padded, [rows, columns, cellHeight + gap, cellWidth + gap, 3]);
      const image = tf.reshape(tf.transpose(tiled, [0, 2, 1, 3, 4]), [
        rows * (cellHeight + gap),
        columns * (cellWidth + gap),
        3,
      ]);
      return tf.pad(
        image,
        [
          [gap, 0],
          [gap, 0],
          [0, 0],
        ],
        255,
      ) as tf.Tensor3D;
    });
  } finally {
    tf.dispose(owned);
  }
  const [height, width] = grid.shape;
  const bytes = Uint8Array.from(await grid.data(), (value) => Math.round(value));
  grid.dispose();
  const png = await sharp(bytes, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
  if (options.output) await writeFileAtomic(options.output, png);
  return png;
}

function positive(argument: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be a positive integer' });
  }
  return value;
}
