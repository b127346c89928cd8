import {
  type Backbone,
  disposeBatch,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  normalizeImages,
  SeededRandom,
} from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

// Where CORAL's target rows come from, epoch by epoch: cached feature rows in feature-extraction
// mode, batches of target images when fine-tuning; both seeded from the epoch's draw.

/**
 * Seeded sampler of target rows for CORAL in feature-extraction mode: walks a permutation of
 * the rows, drawing a new one when exhausted. Seeded per epoch from the run's random state, so
 * runs and resumes are deterministic.
 */
export class TargetRowSampler {
  private readonly random: SeededRandom;
  private order: number[] = [];
  private position = 0;

  constructor(
    private readonly count: number,
    seed: number,
  ) {
    this.random = new SeededRandom(seed);
  }

  /** The next `size` rows (wrapping into a fresh permutation), never repeating within a draw when possible. */
  next(size: number): number[] {
    const rows: number[] = [];
    while (rows.length < Math.min(size, this.count)) {
      if (this.position >= this.order.length) {
        this.order = this.random.permutation(this.count);
        this.position = 0;
      }
      rows.push(this.order[this.position] as number);
      this.position++;
    }
    return rows;
  }
}

/**
 * Target batches of normalised pixels for CORAL when fine-tuning: seeded shuffled batches of
 * `batchSize` (full batches when the data allows), restarting with the next epoch's order
 * when exhausted. Call {@link close} at the end of the epoch.
 */
export class TargetBatchStream {
  private iterator: AsyncIterator<ImageBatch> | undefined;
  private cycle = 0;

  constructor(
    private readonly options: {
      data: ImageDataset;
      backbone: Backbone;
      batchSize: number;
      seed: number;
      signal?: AbortSignal;
    },
  ) {}

  /** The next batch as `[n, H, W, 3]` normalised input; the caller disposes it. */
  async next(): Promise<tf.Tensor> {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.iterator === undefined) {
        const { data, batchSize, seed, signal } = this.options;
        this.iterator = data
          .batches({
            batchSize,
            shuffle: true,
            seed,
            epoch: this.cycle,
            dropRemainder: data.size >= batchSize,
            ...(signal ? { signal } : {}),
          })
          [Symbol.asyncIterator]();
        this.cycle++;
      }
      const result = await this.iterator.next();
      if (!result.done) {
        const batch = result.value;
        try {
          return normalizeImages(batch.images, this.options.backbone.preprocessing);
        } finally {
          disposeBatch(batch);
        }
      }
      this.iterator = undefined;
    }
    throw new InvalidArgumentError({
      argument: 'coral.targetData',
      value: this.options.data.size,
      expected: 'must yield at least one batch',
    });
  }

  /** Ends the underlying stream. */
  async close(): Promise<void> {
    await this.iterator?.return?.();
    this.iterator = undefined;
  }
}

/** A per-term seed derived from the epoch's seed (no extra draw from the run's generator). */
export function termSeed(epochSeed: number, index: number): number {
  return (Math.imul(epochSeed ^ 0x27d4eb2f, 0x165667b1) + Math.imul(index + 1, 0x9e3779b1)) >>> 0;
}
