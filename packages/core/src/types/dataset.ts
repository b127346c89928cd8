import type { ImageBatch } from './image.js';

/** Options of {@link ImageDataset.batches}. */
export interface BatchOptions {
  /** Images per batch (> 0). */
  batchSize: number;
  /** Shuffle the order; a different permutation for each `epoch`, fixed by `seed`. Default `false`. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default 0. */
  seed?: number;
  /** Epoch number, so each epoch gets its own permutation from the same seed. Default 0. */
  epoch?: number;
  /** Drop a last batch smaller than `batchSize`. Default `false`. */
  dropRemainder?: boolean;
  /** Stops the stream when aborted; the iterator then throws the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A finite, labelled image dataset that streams batches. Implementations decode lazily; they
 * never need the whole dataset in memory.
 */
export interface ImageDataset {
  /** Class names; a label `i` means `classNames[i]`. */
  readonly classNames: readonly string[];
  /** Number of images. */
  readonly size: number;
  /** Labels of every image in dataset order (without decoding), for stratification and metrics. */
  labels(): readonly number[];
  /**
   * Streams batches. The consumer owns and disposes each batch's tensors. Pixels arrive already
   * at the dataset's configured image size.
   */
  batches(options: BatchOptions): AsyncIterable<ImageBatch>;
  /**
   * Optional: every image's key (what its batches carry as `keys`) and source, in dataset order,
   * found without decoding, so a consumer that keeps results by key (a feature cache) can skip
   * the decode. Resolves `undefined` when batches carry more than `labels()` tells (multi-hot).
   * With `limit`, only the first `limit` images' (a consumer checks whether anything is cached
   * before reading every file).
   */
  imageKeys?(options?: ImageKeysOptions): Promise<DatasetImageKeys | undefined>;
  /**
   * Optional: the same batches as {@link batches} (same order, same skipped images) as RGB
   * bytes, with no tensor, for consumers that hand pixels to another thread or engine (a
   * feature computer normalizes them there; the calling thread creates, normalizes and reads
   * back no tensor). `undefined` when this dataset cannot (multi-hot labels).
   */
  pixelBatches?(options: BatchOptions): AsyncIterable<PixelImageBatch> | undefined;
}

/** A batch of {@link ImageDataset.pixelBatches}: decoded images as bytes. */
export interface PixelImageBatch {
  /**
   * Row-major `[N, H, W, 3]` RGB bytes: the values `images` of the same batch holds as float32.
   * The consumer owns the buffer (it may transfer it to another thread).
   */
  pixels: Uint8Array;
  /** `[N, H, W, 3]`. */
  shape: readonly [number, number, number, number];
  /** `[N]` class indices. */
  labels: Int32Array;
  /** As {@link ImageBatch.keys}. */
  keys?: readonly string[];
  /** As {@link ImageBatch.sources}. */
  sources?: readonly string[];
}

/** Options of {@link ImageDataset.imageKeys}. */
export interface ImageKeysOptions {
  /** Only the keys and sources of the first `limit` images in dataset order. Default: all. */
  limit?: number;
}

/** What {@link ImageDataset.imageKeys} resolves: keys and sources in dataset order. */
export interface DatasetImageKeys {
  /** The key of every image, as its batch's `keys` would carry it. */
  keys: readonly string[];
  /** Where every image comes from, as its batch's `sources` would carry it. */
  sources: readonly string[];
}
