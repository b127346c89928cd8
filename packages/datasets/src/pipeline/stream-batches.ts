import { FileFormatError, GraftError, type ImageBatch, InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetBatchOptions } from './batch-options.js';
import { epochOrder } from './epoch-order.js';

/** One image ready for a batch. */
export interface LoadedImage {
  /**
   * The image at the dataset's image size: `height * width * 3` RGB bytes, the same as float32
   * values, or a function that writes those values into the batch buffer at `offset` (called
   * once, when the image takes its place in a batch, so nothing is copied).
   */
  pixels: Uint8Array | Float32Array | ((images: Float32Array, offset: number) => void);
  /** Stable identity of the image (see `ImageBatch.keys`). */
  key: string;
}

/** Options of {@link streamBatches}. */
export interface StreamBatchesOptions {
  /** What the consumer asked for. */
  batch: DatasetBatchOptions;
  /** Labels of every item in dataset order. */
  labels: readonly number[];
  /**
   * Multi-label: every item's label indices and the number of labels; batches then carry
   * `[N, numLabels]` float32 multi-hot labels instead of `[N]` int32 class indices.
   */
  multiHot?: { labelSets: readonly (readonly number[])[]; numLabels: number };
  /** Where item `index` comes from (path or name), for `sources` and error messages. */
  sourceOf: (index: number) => string;
  /**
   * Loads, decodes and resizes item `index`, the `position`-th of the epoch order. Rejects with a
   * `FileFormatError` for a bad image.
   */
  load: (index: number, position: number) => Promise<LoadedImage>;
  /** `[height, width]` of every loaded image. */
  imageSize: readonly [number, number];
  /** `error` (default): a bad image stops the stream. `skip`: it is left out and reported. */
  onBadImage: 'error' | 'skip';
  /** Called for each bad image skipped. */
  onSkip?: (source: string, error: FileFormatError) => void;
  /** Loads in flight at once. */
  concurrency: number;
  /** Batches decoded ahead of the consumer. */
  prefetchBatches: number;
  /** The loaded values are already network input: batches say so (`ImageBatch.normalized`). */
  normalized?: boolean;
}

/**
 * Streams batches in epoch order, keeping at most `concurrency` loads in flight and at most
 * `prefetchBatches` batches of decoded pixels ahead of the consumer, so memory stays bounded
 * whatever the dataset size. Decoded pixels are plain bytes; tensors are created only when the
 * consumer pulls a batch, and the consumer owns (disposes) them.
 */
export async function* streamBatches(options: StreamBatchesOptions): AsyncGenerator<ImageBatch> {
  const batch = options.batch;
  checkPositiveInteger('batchSize', batch.batchSize);
  checkPositiveInteger('concurrency', options.concurrency);
  if (!Number.isInteger(options.prefetchBatches) || options.prefetchBatches < 0) {
    throw new InvalidArgumentError({
      argument: 'prefetchBatches',
      value: options.prefetchBatches,
      expected: 'must be an integer >= 0',
    });
  }
  const signal = batch.signal;
  signal?.throwIfAborted();
  const order = epochOrder({
    labels: options.labels,
    shuffle: batch.shuffle ?? false,
    seed: batch.seed ?? 0,
    epoch: batch.epoch ?? 0,
    sampling: batch.sampling ?? 'sequential',
  });
  const [height, width] = options.imageSize;
  const pixelsPerImage = height * width * 3;
  const lookahead = (options.prefetchBatches + 1) * batch.batchSize;

  type Outcome = { loaded: LoadedImage } | { error: unknown };
  const pending = new Map<number, Promise<Outcome>>();
  let started = 0;
  let consumed = 0;
  let inFlight = 0;
  let stopped = false;
  const pump = (): void => {
    while (
      !stopped &&
      inFlight < options.concurrency &&
      started < order.length &&
      started - consumed < lookahead
    ) {
      const index = order[started] as number;
      inFlight++;
      const outcome = options
        .load(index, started)
        .then(
          (loaded): Outcome => ({ loaded }),
          (error: unknown): Outcome => ({ error }),
        )
        .then((result) => {
          inFlight--;
          pump();
          return result;
        });
      pending.set(started, outcome);
      started++;
    }
  };

  let images = new Float32Array(batch.batchSize * pixelsPerImage);
  let labels: number[] = [];
  // Dataset indices of the batch's items (multi-hot labels are looked up by them).
  let rows: number[] = [];
  let keys: string[] = [];
  let sources: string[] = [];
  const emit = (): ImageBatch => {
    const count = labels.length;
    const batchImages =
      count === batch.batchSize ? images : images.slice(0, count * pixelsPerImage);
    const result: ImageBatch = {
      images: tf.tensor4d(batchImages, [count, height, width, 3], 'float32'),
      labels: options.multiHot
        ? multiHotRows(rows, options.multiHot.labelSets, options.multiHot.numLabels)
        : tf.tensor1d(labels, 'int32'),
      keys,
      sources,
      ...(options.normalized ? { normalized: true } : {}),
    };
    // The wasm backend copies a tensor's values into its own heap when it is created
    // (BackendWasm.move), so the next batch can be written into the same buffer: no 19 MB
    // allocation (and zero fill, and the garbage collections it brings) per 32 views at 224.
    // Other backends keep a reference to the array: they get a new one.
    if (count !== batch.batchSize || tf.getBackend() !== 'wasm') {
      images = new Float32Array(batch.batchSize * pixelsPerImage);
    }
    labels = [];
    rows = [];
    keys = [];
    sources = [];
    return result;
  };

  try {
    pump();
    for (let position = 0; position < order.length; position++) {
      const index = order[position] as number;
      const outcome = await abortable(pending.get(position) as Promise<Outcome>, signal);
      pending.delete(position);
      consumed++;
      pump();
      const source = options.sourceOf(index);
      if ('error' in outcome) {
        if (options.onBadImage === 'skip' && FileFormatError.isInstance(outcome.error)) {
          options.onSkip?.(source, outcome.error);
          continue;
        }
        throw outcome.error;
      }
      const pixels = outcome.loaded.pixels;
      if (typeof pixels === 'function') {
        pixels(images, labels.length * pixelsPerImage);
      } else if (pixels.length !== pixelsPerImage) {
        throw new GraftError({
          code: 'INTERNAL',
          message: `${source}: loaded ${pixels.length} values, expected ${pixelsPerImage} (${height}x${width}x3)`,
        });
      } else {
        images.set(pixels, labels.length * pixelsPerImage);
      }
      labels.push(options.labels[index] as number);
      rows.push(index);
      keys.push(outcome.loaded.key);
      sources.push(source);
      if (labels.length === batch.batchSize) yield emit();
    }
    if (labels.length > 0 && !(batch.dropRemainder ?? false)) yield emit();
  } finally {
    // Loads still in flight finish in the background and are dropped; no tensor exists for them.
    stopped = true;
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

function checkPositiveInteger(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({ argument, value, expected: 'must be an integer >= 1' });
  }
}

/** Waits for `promise`, or throws the signal's reason as soon as it is aborted. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
