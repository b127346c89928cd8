import { FileFormatError, InvalidArgumentError } from '@graft/core';
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

/** Options of {@link streamLoadedBatches}. */
export interface StreamLoadedBatchesOptions {
  /** What the consumer asked for. */
  batch: DatasetBatchOptions;
  /** Labels of every item in dataset order. */
  labels: readonly number[];
  /** Where item `index` comes from (path or name), for `sources` and error messages. */
  sourceOf: (index: number) => string;
  /**
   * Loads, decodes and resizes item `index`, the `position`-th of the epoch order. Rejects with a
   * `FileFormatError` for a bad image.
   */
  load: (index: number, position: number) => Promise<LoadedImage>;
  /** `error` (default): a bad image stops the stream. `skip`: it is left out and reported. */
  onBadImage: 'error' | 'skip';
  /** Called for each bad image skipped. */
  onSkip?: (source: string, error: FileFormatError) => void;
  /** Loads in flight at once. */
  concurrency: number;
  /** Batches decoded ahead of the consumer. */
  prefetchBatches: number;
}

/** One image of a {@link LoadedBatch}. */
export interface LoadedItem {
  /** What `load` gave. */
  loaded: LoadedImage;
  /** Its dataset index. */
  index: number;
  /** `sourceOf(index)`. */
  source: string;
}

/** The images of one batch, in epoch order, as loaded (no tensor, no batch buffer). */
export type LoadedBatch = LoadedItem[];

/**
 * Streams the loaded images of each batch in epoch order, keeping at most `concurrency` loads
 * in flight and at most `prefetchBatches` batches of decoded pixels ahead of the consumer, so
 * memory stays bounded whatever the dataset size. Bad images are skipped or thrown as
 * `onBadImage` says. What a batch becomes (tensors, a byte buffer) is the caller's.
 */
export async function* streamLoadedBatches(
  options: StreamLoadedBatchesOptions,
): AsyncGenerator<LoadedBatch> {
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

  let items: LoadedItem[] = [];
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
      items.push({ loaded: outcome.loaded, index, source });
      if (items.length === batch.batchSize) {
        const full = items;
        items = [];
        yield full;
      }
    }
    if (items.length > 0 && !(batch.dropRemainder ?? false)) yield items;
  } finally {
    // Loads still in flight finish in the background and are dropped; no tensor exists for them.
    stopped = true;
  }
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
