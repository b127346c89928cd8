import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { disposeBatch, type ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { streamBatches } from './stream-batches.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Every batch of a stream whose image `index` is filled with `index + 1`, all kept alive. */
async function keptBatches(): Promise<ImageBatch[]> {
  const batches: ImageBatch[] = [];
  for await (const batch of streamBatches({
    batch: { batchSize: 2 },
    labels: [0, 1, 0, 1, 0, 1, 0],
    sourceOf: String,
    imageSize: [2, 3],
    onBadImage: 'error',
    concurrency: 2,
    prefetchBatches: 1,
    load: async (index) => ({
      pixels: (images: Float32Array, offset: number) => images.fill(index + 1, offset, offset + 18),
      key: `k${index}`,
    }),
  })) {
    batches.push(batch);
  }
  return batches;
}

describe('streamBatches batch buffers', () => {
  // The batch buffer is written again for the next batch where the backend copied it into its
  // own memory (wasm); a backend that keeps a reference (cpu) must get a new buffer each batch.
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`leaves every batch its own pixels while later batches are written (${backend})`, async () => {
      await tf.setBackend(backend);
      await tf.ready();
      const batches = await keptBatches();
      expect(batches.map((batch) => batch.images.shape[0])).toEqual([2, 2, 2, 1]);
      const firstValues = batches.map((batch) => {
        const values = batch.images.dataSync();
        return [values[0], values[values.length - 1]];
      });
      expect(firstValues).toEqual([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 7],
      ]);
      for (const batch of batches) disposeBatch(batch);
    });
  }
});
