// Feature extraction of ants/bees (244 train + 153 val JPEGs) with MobileNetV2 1.0 on wasm, as
// `graft train` does it: in this thread (--extraction-workers 1), and in 1 and 2 worker threads
// each holding its own backbone (createFeatureWorkerPool + src/pipeline/feature-worker.ts), and
// through the ONNX Runtime engine (--engine onnx).
// Decoding (sharp, libuv threads) stays in this thread and overlaps the workers. Lives in the app
// because it needs @graft/backbones and @graft/datasets, which @graft/trainer must not import.
import { join } from 'node:path';
import { createBackbone } from '@graft/backbones';
import { type BenchRow, measure } from '@graft/bench-kit';
import { createOnnxFeatureComputer } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { backboneCacheIdentity, extractFeatures, type FeatureComputer } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { backboneOptionsFor } from '../src/pipeline/defaults.js';
import { startExtractionWorkers } from '../src/pipeline/extraction-workers.js';
import { loadTrainingData } from '../src/pipeline/load-training-data.js';

const shared = process.env.GRAFT_SHARED_DIR ?? join(import.meta.dirname, '../../../../shared');
process.env.GRAFT_MIRROR ??= join(shared, 'weights');
const name = 'mobilenet_v2_1.0_224';
const batchSize = 32;

export default async function (): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const backboneOptions = { pretrained: true, ...backboneOptionsFor(name), seed: 0 };
  const backbone = await createBackbone(name, backboneOptions);
  const data = await loadTrainingData({
    data: join(shared, 'data', 'hymenoptera'),
    split: undefined,
    seed: 0,
    preprocessing: backbone.preprocessing,
  });
  const validation = data.validation;
  if (!validation) throw new Error('hymenoptera has a val/ folder');
  const images = data.train.size + validation.size;
  const extractBoth = (featureComputer?: FeatureComputer) => async () => {
    for (const split of [data.train, validation]) {
      await extractFeatures({
        backbone,
        data: split,
        batchSize,
        ...(featureComputer ? { featureComputer } : {}),
      });
    }
  };
  const suite = 'cli feature extraction';
  const rows: BenchRow[] = [];
  const tensorsBefore = tf.memory().numTensors;
  rows.push(
    await measure({
      suite,
      name: `ants/bees train+val (${images} images), ${name} b${batchSize}, this thread`,
      items: images,
      warmup: 0,
      runs: 2,
      backend: 'wasm',
      run: extractBoth(),
    }),
  );
  // The backbone's folded inference model (when it has one) is built on first use and kept.
  const tensorsAfter = tf.memory().numTensors;
  (rows[0] as BenchRow).notes =
    `--extraction-workers 1: decode + resize + forward in one thread; live tensors ${tensorsBefore} before, ${tensorsAfter} after (inference model cached), RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
  for (const workers of [1, 2]) {
    const started = performance.now();
    const pool = await startExtractionWorkers({
      workers,
      backend: 'wasm',
      backbone: { backbone: name, weights: 'imagenet', seed: 0 },
    });
    const startSeconds = (performance.now() - started) / 1000;
    try {
      const row = await measure({
        suite,
        name: `ants/bees train+val (${images} images), ${name} b${batchSize}, ${workers} worker${workers > 1 ? 's' : ''}`,
        items: images,
        warmup: workers === 1 ? 0 : 1,
        runs: workers === 1 ? 1 : 2,
        backend: 'wasm',
        run: extractBoth(pool),
      });
      row.notes = `createFeatureWorkerPool, ${workers} worker thread(s) with one wasm backbone each (start ${startSeconds.toFixed(1)} s, not timed), 2 batches in flight per worker; live tensors in this thread ${tf.memory().numTensors} (${tensorsAfter} before), per worker ${pool.workerTensors.join('/')}; RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
      rows.push(row);
    } finally {
      await pool.close();
    }
  }
  // --engine onnx: the same decoding and normalization here, the network in ONNX Runtime.
  const started = performance.now();
  const onnx = await createOnnxFeatureComputer({
    backbone,
    cacheIdentity: await backboneCacheIdentity(backbone),
  });
  const startSeconds = (performance.now() - started) / 1000;
  try {
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const row = await measure({
      suite,
      name: `ants/bees train+val (${images} images), ${name} b${batchSize}, ONNX Runtime engine`,
      items: images,
      warmup: 1,
      runs: 2,
      backend: `onnxruntime (${onnx.engine.detail})`,
      run: extractBoth(onnx),
    });
    const cpu = process.cpuUsage(cpuBefore);
    row.notes = `--engine onnx: createOnnxFeatureComputer (graph ${onnx.graph.reused ? 'reused from the disk cache' : 'converted'}, start ${startSeconds.toFixed(1)} s, not timed), decode + normalize in this thread; ${((cpu.user + cpu.system) / 1e6 / ((performance.now() - wallBefore) / 1000)).toFixed(2)} CPU-s per wall-s; live tensors in this thread ${tf.memory().numTensors}; RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`;
    rows.push(row);
  } finally {
    await onnx.close();
  }
  backbone.dispose();
  for (const row of rows) {
    console.log(
      `${row.name}: ${row.value.toFixed(2)} images/s, ${row.medianSeconds.toFixed(1)} s (load ${row.loadAverage})`,
    );
  }
  return rows;
}
