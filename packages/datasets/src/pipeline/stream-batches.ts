import { GraftError, type ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  type LoadedImage,
  type StreamLoadedBatchesOptions,
  streamLoadedBatches,
} from './stream-loaded-batches.js';

export type { LoadedImage };

/** Options of {@link streamBatches}. */
export interface StreamBatchesOptions extends StreamLoadedBatchesOptions {
  /**
   * Multi-label: every item's label indices and the number of labels; batches then carry
   * `[N, numLabels]` float32 multi-hot labels instead of `[N]` int32 class indices.
   */
  multiHot?: { labelSets: readonly (readonly number[])[]; numLabels: number };
  /** `[height, width]` of every loaded image. */
  imageSize: readonly [number, number];
  /** The loaded values are already network input: batches say so (`ImageBatch.normalized`). */
  normalized?: boolean;
}

/**
 * Streams batches in epoch order (loads bounded as `streamLoadedBatches` bounds them). Decoded
 * pixels are plain bytes; tensors are created only when the consumer pulls a batch, and the
 * consumer owns (disposes) them.
 */
export async function* streamBatches(options: StreamBatchesOptions): AsyncGenerator<ImageBatch> {
  const batch = options.batch;
  const [height, width] = options.imageSize;
  const pixelsPerImage = height * width * 3;
  // Not allocated before the first batch: the options are checked first.
  let images: Float32Array | undefined;
  for await (const items of streamLoadedBatches(options)) {
    images ??= new Float32Array(batch.batchSize * pixelsPerImage);
    items.forEach(({ loaded, source }, slot) => {
      const pixels = loaded.pixels;
      if (typeof pixels === 'function') {
        pixels(images as Float32Array, slot * pixelsPerImage);
        return;
      }
      if (pixels.length !== pixelsPerImage) {
        throw new GraftError({
          code: 'INTERNAL',
          message: `${source}: loaded ${pixels.length} values, expected ${pixelsPerImage} (${height}x${width}x3)`,
        });
      }
      (images as Float32Array).set(pixels, slot * pixelsPerImage);
    });
    const count = items.length;
    const rows = items.map((item) => item.index);
    yield {
      images: tf.tensor4d(
        count === batch.batchSize ? images : images.slice(0, count * pixelsPerImage),
        [count, height, width, 3],
        'float32',
      ),
      labels: options.multiHot
        ? multiHotRows(rows, options.multiHot.labelSets, options.multiHot.numLabels)
        : tf.tensor1d(
            rows.map((index) => options.labels[index] as number),
            'int32',
          ),
      keys: items.map((item) => item.loaded.key),
      sources: items.map((item) => item.source),
      ...(options.normalized ? { normalized: true } : {}),
    };
    // The wasm backend copies a tensor's values into its own heap when it is created
    // (BackendWasm.move), so the next batch can be written into the same buffer: no 19 MB
    // allocation (and zero fill, and the garbage collections it brings) per 32 views at 224.
    // Other backends keep a reference to the array: they get a new one.
    if (count !== batch.batchSize || tf.getBackend() !== 'wasm') images = undefined;
  }
}

/** `[rows, numLabels]` float32 multi-hot targets of the given dataset indices. */
function multiHotRows(
  rows: readonly number[],
  labelSets: readonly (readonly number[])[],
  numLabels: number,
): tf.Tensor2D {
  const values = new Float32Array(rows.length * numLabels);
  rows.forEach((index, row) => {
    for (const label of labelSets[index] ?? []) values[row * numLabels + label] = 1;
  });
  return tf.tensor2d(values, [rows.length, numLabels], 'float32');
}
