// Workload 1: backbone forward (pooled features), batch 32 at 224, on wasm — in this thread, and
// in 2 worker threads each holding its own backbone (wasm runs one thread per instance in Node,
// so this is how feature extraction can use both cores). The workers are a measurement, not a
// library feature. Both time the network the trainer's feature extraction runs:
// `backbone.inferenceModel()` (BatchNorm folded, ReLU6 fused) where the backbone offers it.
import { Worker } from 'node:worker_threads';
import { type BenchRow, measure } from '@graft/bench-kit';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type BackboneKey, createRandomBackbone, liveTensors, rssMiB } from './workloads.js';

const suite = 'forward (suites)';
const batchSize = 32;
const size = 224;

/** Images/s of one backbone instance on the wasm backend, in this thread. */
export async function forwardRow(key: BackboneKey, runs: number): Promise<BenchRow> {
  await initBackend({ prefer: 'wasm' });
  const tensorsBefore = liveTensors();
  const backbone = await createRandomBackbone(key);
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const batch = tf.randomUniform([batchSize, size, size, 3], -1, 1, 'float32', 1);
  const tensorsWithModel = liveTensors();
  const row = await measure({
    suite,
    name: `${key} ${size} b${batchSize}`,
    items: batchSize,
    backend: 'wasm',
    warmup: 1,
    runs,
    compare: `forward/${key}/b${batchSize}`,
    run: async () => {
      const features = network.predict(batch) as tf.Tensor;
      await features.data();
      features.dispose();
    },
  });
  const tensorsAfterRuns = liveTensors();
  batch.dispose();
  backbone.dispose();
  row.notes = `1 thread, ${network === backbone.model ? 'backbone.model' : 'inferenceModel() (BN folded)'}; live tensors: ${tensorsBefore} before, ${tensorsWithModel} with model+input, ${tensorsAfterRuns} after ${runs + 1} forwards, ${liveTensors()} after dispose`;
  return row;
}

/** Messages from forward-worker.ts. */
type WorkerMessage =
  | { type: 'ready'; tensors: number }
  | { type: 'done'; tensors: number }
  | { type: 'disposed'; tensors: number }
  | { type: 'error'; message: string };

/**
 * Images/s of `workers` worker threads, each with its own wasm backend and backbone, each
 * running batches of 32 at the same time (one run = one batch per worker).
 */
export async function forwardWorkersRow(
  key: BackboneKey,
  runs: number,
  workers = 2,
): Promise<BenchRow> {
  const threads = Array.from(
    { length: workers },
    () =>
      new Worker(new URL('./forward-worker-bootstrap.mjs', import.meta.url), {
        workerData: { key, batchSize, size },
      }),
  );
  const next = (worker: Worker, expected: WorkerMessage['type']) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        worker.off('error', reject);
        if (message.type === 'error') reject(new Error(message.message));
        else if (message.type !== expected)
          reject(new Error(`worker sent ${message.type}, expected ${expected}`));
        else resolve(message);
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
  try {
    const ready = await Promise.all(threads.map((worker) => next(worker, 'ready')));
    let done: WorkerMessage[] = [];
    const row = await measure({
      suite,
      name: `${key} ${size} b${batchSize}, ${workers} workers`,
      items: batchSize * workers,
      backend: 'wasm',
      warmup: 1,
      runs,
      compare: `forward/${key}/b${batchSize}`,
      run: async () => {
        const finished = threads.map((worker) => next(worker, 'done'));
        for (const worker of threads) worker.postMessage('run');
        done = await Promise.all(finished);
      },
    });
    const disposedPromise = Promise.all(threads.map((worker) => next(worker, 'disposed')));
    for (const worker of threads) worker.postMessage('dispose');
    const disposed = await disposedPromise;
    const list = (messages: WorkerMessage[]) =>
      messages.map((message) => ('tensors' in message ? message.tensors : '?')).join('/');
    row.notes = `${workers} workers (worker_threads, one wasm backbone each, inferenceModel() (BN folded), batch ${batchSize} per worker per run); live tensors per worker: ${list(ready)} with model+input, ${list(done)} after ${runs + 1} forwards, ${list(disposed)} after dispose; process RSS ${rssMiB()} MiB at end`;
    return row;
  } finally {
    await Promise.all(threads.map((worker) => worker.terminate()));
  }
}
