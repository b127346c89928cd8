// extractFeatures in this thread vs createFeatureWorkerPool with 1 and 2 workers, on wasm (one
// thread per instance in Node), with a synthetic seeded conv backbone and in-memory images: the
// pool's own cost and gain, without JPEG decoding. The ants/bees MobileNetV2 1.0 figure needs
// @graft/backbones and @graft/datasets and lives in apps/cli/bench/extraction-workers.bench.ts.
import '@tensorflow/tfjs-backend-wasm';
import { type BenchRow, measure } from '@graft/bench-kit';
import * as tf from '@tensorflow/tfjs-core';
import { extractFeatures, type FeatureComputer } from '../src/index.js';
import { createFeatureWorkerPool } from '../src/node/index.js';
import { ColourDataset } from '../src/testing/index.js';
import { convBackbone, size } from './conv-backbone.js';

const images = 192;
const batchSize = 32;

export default async function (): Promise<BenchRow[]> {
  await tf.setBackend('wasm');
  const backbone = convBackbone();
  const data = new ColourDataset({ count: images, size: [size, size], numClasses: 4 });
  const suite = 'trainer feature workers';
  const notes = `${images} in-memory images ${size}², conv4 backbone (seeded), batch ${batchSize}, wasm`;
  const run = (featureComputer?: FeatureComputer) => async () => {
    await extractFeatures({
      backbone,
      data,
      batchSize,
      ...(featureComputer ? { featureComputer } : {}),
    });
  };
  const rows = [
    await measure({
      suite,
      name: 'this thread',
      items: images,
      runs: 3,
      backend: 'wasm',
      notes,
      run: run(),
    }),
  ];
  for (const workers of [1, 2]) {
    const pool = await createFeatureWorkerPool({
      workerModule: new URL('./conv-backbone.ts', import.meta.url),
      workers,
    });
    try {
      rows.push(
        await measure({
          suite,
          name: `${workers} worker${workers > 1 ? 's' : ''}`,
          items: images,
          runs: 3,
          backend: 'wasm',
          notes: `${notes}; createFeatureWorkerPool, 2 batches in flight per worker`,
          run: run(pool),
        }),
      );
    } finally {
      await pool.close();
    }
  }
  backbone.dispose();
  for (const row of rows) {
    console.log(`${row.name}: ${row.value.toFixed(1)} images/s (load ${row.loadAverage})`);
  }
  return rows;
}
