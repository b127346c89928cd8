// One worker of forwardWorkersRow: its own wasm backend and backbone; runs one forward of a
// batch per 'run' message and answers with the live tensor count.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { type BackboneKey, createRandomBackbone } from './workloads.js';

const { key, batchSize, size } = workerData as {
  key: BackboneKey;
  batchSize: number;
  size: number;
};
const port = parentPort;
if (port === null) throw new Error('forward-worker.ts must run in a worker thread');

try {
  await initBackend({ prefer: 'wasm' });
  const backbone = await createRandomBackbone(key);
  // The network the trainer's feature extraction runs (BatchNorm folded where offered).
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const batch = tf.randomUniform([batchSize, size, size, 3], -1, 1, 'float32', 1);
  port.on('message', async (message: string) => {
    try {
      if (message === 'run') {
        const features = network.predict(batch) as tf.Tensor;
        await features.data();
        features.dispose();
        port.postMessage({ type: 'done', tensors: tf.memory().numTensors });
      } else if (message === 'dispose') {
        batch.dispose();
        backbone.dispose();
        port.postMessage({ type: 'disposed', tensors: tf.memory().numTensors });
      }
    } catch (error) {
      port.postMessage({ type: 'error', message: String(error) });
    }
  });
  port.postMessage({ type: 'ready', tensors: tf.memory().numTensors });
} catch (error) {
  port.postMessage({ type: 'error', message: String(error) });
}
