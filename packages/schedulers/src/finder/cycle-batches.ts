import * as tf from '@tensorflow/tfjs-core';
import type {
  LearningRateFinderBatch,
  LearningRateFinderBatches,
} from './learning-rate-finder-options.js';

export type BatchIterator = AsyncIterator<LearningRateFinderBatch> & {
  return?: (value?: undefined) => Promise<IteratorResult<LearningRateFinderBatch>>;
};

/**
 * Yields the batches forever when they can be iterated again; stops when a pass is empty. When
 * the test stops mid-way through an array returned by a factory, the batches it did not reach
 * are disposed too (`disposeUnread`): they were made for this run.
 */
async function* cycleInner(
  source: LearningRateFinderBatches,
  disposeUnread: boolean,
): AsyncGenerator<LearningRateFinderBatch> {
  while (true) {
    const iterable = typeof source === 'function' ? source() : source;
    let yielded = false;
    let read = 0;
    try {
      for await (const batch of iterable as AsyncIterable<LearningRateFinderBatch>) {
        yielded = true;
        read++;
        yield batch;
      }
    } finally {
      if (disposeUnread && typeof source === 'function' && Array.isArray(iterable)) {
        for (const batch of iterable.slice(read)) tf.dispose([batch.xs, batch.ys]);
      }
    }
    // A generator returns itself from [Symbol.iterator](): it is one-shot. An array is not.
    const reiterable =
      typeof source === 'function' ||
      (Symbol.iterator in source &&
        (source as Iterable<unknown>)[Symbol.iterator]() !== (source as unknown)) ||
      (Symbol.asyncIterator in source &&
        (source as AsyncIterable<unknown>)[Symbol.asyncIterator]() !== (source as unknown));
    if (!yielded || !reiterable) return;
  }
}

/** The batches of `source` for as many steps as the test takes (see `cycleInner`). */
export function cycle(source: LearningRateFinderBatches, disposeUnread: boolean): BatchIterator {
  return cycleInner(source, disposeUnread);
}
