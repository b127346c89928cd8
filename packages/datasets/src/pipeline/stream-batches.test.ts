import { disposeBatch, FileFormatError } from '@graft/core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { streamBatches } from './stream-batches.js';

const size = 200;
const labels = Array.from({ length: size }, (_, index) => index % 3);

describe('streamBatches', () => {
  it('keeps loads in flight and decoded images ahead of the consumer bounded', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let started = 0;
    let consumed = 0;
    let maxAhead = 0;
    const stream = streamBatches({
      batch: { batchSize: 8 },
      labels,
      sourceOf: String,
      imageSize: [1, 1],
      onBadImage: 'error',
      concurrency: 3,
      prefetchBatches: 2,
      load: async (index) => {
        inFlight++;
        started++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        maxAhead = Math.max(maxAhead, started - consumed);
        await new Promise((resolve) => setTimeout(resolve, index % 2));
        inFlight--;
        return { pixels: new Uint8Array([index % 256, 0, 0]), key: `k${index}` };
      },
    });
    for await (const batch of stream) {
      consumed += batch.images.shape[0];
      disposeBatch(batch);
      await new Promise((resolve) => setTimeout(resolve, 2)); // a slow consumer
    }
    expect(consumed).toBe(size);
    expect(maxInFlight).toBe(3);
    // At most (prefetchBatches + 1) batches of images started beyond what the consumer has.
    expect(maxAhead).toBeLessThanOrEqual(3 * 8 + 8);
  });

  it('skips only FileFormatErrors with onBadImage skip', async () => {
    const run = (error: Error) =>
      (async () => {
        const skipped: string[] = [];
        let count = 0;
        for await (const batch of streamBatches({
          batch: { batchSize: 4 },
          labels: labels.slice(0, 6),
          sourceOf: (index) => `file${index}`,
          imageSize: [1, 1],
          onBadImage: 'skip',
          onSkip: (source) => skipped.push(source),
          concurrency: 2,
          prefetchBatches: 1,
          load: async (index) => {
            if (index === 2) throw error;
            return { pixels: new Uint8Array(3), key: String(index) };
          },
        })) {
          count += batch.images.shape[0];
          disposeBatch(batch);
        }
        return { skipped, count };
      })();
    expect(await run(new FileFormatError({ file: 'file2', problem: 'bad' }))).toEqual({
      skipped: ['file2'],
      count: 5,
    });
    await expect(run(new Error('disk on fire'))).rejects.toThrow('disk on fire');
  });
});
