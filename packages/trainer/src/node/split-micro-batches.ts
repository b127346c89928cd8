/** Options of {@link splitMicroBatches}. */
export interface SplitMicroBatchesOptions {
  /** Number of workers. */
  workers: number;
  /** Rows of the batch. */
  rows: number;
  /** Rows per micro-batch (the last one may be shorter), at least 1. */
  microBatchSize: number;
}

/** One worker's contiguous run of whole micro-batches: rows `start` to `end` (exclusive). */
export interface MicroBatchShare {
  /** Index of the worker. */
  worker: number;
  /** Number of micro-batches in the run. */
  microBatches: number;
  /** First row. */
  start: number;
  /** Row after the last. */
  end: number;
}

/**
 * Splits a batch's micro-batches into contiguous runs, one per worker in order, so every
 * BatchNorm batch statistic covers the same rows as in one thread. With fewer micro-batches than
 * workers some rest: their runs are left out.
 */
export function splitMicroBatches(options: SplitMicroBatchesOptions): MicroBatchShare[] {
  const { workers, rows, microBatchSize } = options;
  const microBatches = Math.ceil(rows / microBatchSize);
  return Array.from({ length: workers }, (_, worker) => {
    const first = Math.floor((worker * microBatches) / workers);
    const end = Math.floor(((worker + 1) * microBatches) / workers);
    return {
      worker,
      microBatches: end - first,
      start: first * microBatchSize,
      end: Math.min(end * microBatchSize, rows),
    };
  }).filter((share) => share.microBatches > 0);
}
