import type { BatchOptions, ImageBatch, ImageDataset } from '@graft/core';
import { SeededRandom } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Width of the `[1, width, 3]` "image" one embedding is laid out as: the trainer, its caches,
 * heads, calibration and saved classifiers all take `[N, H, W, 3]`, so a frozen text encoder's
 * vectors travel through them as one-row images (zero-padded to a multiple of 3).
 */
export function embeddingImageWidth(featureDim: number): number {
  return Math.ceil(featureDim / 3);
}

/** `[N, featureDim]` embeddings as `[N, 1, width, 3]` images (zero-padded); the caller disposes. */
export function embeddingsToImages(embeddings: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [count, featureDim] = embeddings.shape;
    const width = embeddingImageWidth(featureDim);
    const padded = tf.pad(embeddings, [
      [0, 0],
      [0, width * 3 - featureDim],
    ]);
    return tf.reshape(padded, [count, 1, width, 3]);
  });
}

/** Options of {@link EmbeddingDataset}. */
export interface EmbeddingDatasetOptions {
  /** Class names. */
  classNames: readonly string[];
  /** Row-major `[labels.length, featureDim]` embeddings. */
  embeddings: Float32Array;
  /** Length of one embedding. */
  featureDim: number;
  /** Class of each row. */
  labels: readonly number[];
  /** Stable identity of each row (encoder, text and augmented view), for feature caches. */
  keys: readonly string[];
  /** Where each row came from, for reports. */
  sources: readonly string[];
}

/** Precomputed text embeddings served as an {@link ImageDataset} of one-row images. */
export class EmbeddingDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly size: number;
  readonly #options: EmbeddingDatasetOptions;

  constructor(options: EmbeddingDatasetOptions) {
    if (options.embeddings.length !== options.labels.length * options.featureDim) {
      throw new TypeError(
        `embeddings: expected ${options.labels.length} × ${options.featureDim} values, received ${options.embeddings.length}`,
      );
    }
    this.classNames = options.classNames;
    this.size = options.labels.length;
    this.#options = options;
  }

  labels(): readonly number[] {
    return this.#options.labels;
  }

  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    const order = Array.from({ length: this.size }, (_, index) => index);
    if (options.shuffle) {
      new SeededRandom((options.seed ?? 0) * 1_000_003 + (options.epoch ?? 0)).shuffle(order);
    }
    const { embeddings, featureDim, labels, keys, sources } = this.#options;
    for (let start = 0; start < order.length; start += options.batchSize) {
      if (options.signal?.aborted) throw options.signal.reason;
      const rows = order.slice(start, start + options.batchSize);
      if (options.dropRemainder && rows.length < options.batchSize) break;
      const values = new Float32Array(rows.length * featureDim);
      rows.forEach((row, index) => {
        values.set(
          embeddings.subarray(row * featureDim, (row + 1) * featureDim),
          index * featureDim,
        );
      });
      const flat = tf.tensor2d(values, [rows.length, featureDim]);
      const images = embeddingsToImages(flat);
      flat.dispose();
      yield {
        images,
        labels: tf.tensor1d(
          rows.map((row) => labels[row] as number),
          'int32',
        ),
        keys: rows.map((row) => keys[row] as string),
        sources: rows.map((row) => sources[row] as string),
      };
    }
  }
}
