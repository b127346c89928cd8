// Entry of each worker of createFeatureWorkerPool: builds the backbone through the app's module,
// then answers 'compute' messages with the features of each batch (buffers transferred both ways).
import { parentPort, workerData } from 'node:worker_threads';
import { ownedArray } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { backboneCacheIdentity } from '../features/backbone-cache-identity.js';
import type {
  FeatureWorkerData,
  FromWorkerMessage,
  ToWorkerMessage,
} from './feature-worker-protocol.js';
import { importBackboneFactory } from './import-backbone-factory.js';
import { workerErrorMessage } from './worker-error-message.js';

const port = parentPort;
if (port === null) throw new Error('feature-worker-thread must run in a worker thread');
const { module, data } = workerData as FeatureWorkerData;

function post(message: FromWorkerMessage, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}

try {
  const create = await importBackboneFactory(module);
  const backbone = await create(data);
  // Hashed before any batch: the main thread compares it with its own backbone's.
  const cacheIdentity = await backboneCacheIdentity(backbone);
  // Same network as extractFeatures in the main thread: the folded one when the backbone has it.
  const network = backbone.inferenceModel?.() ?? backbone.model;
  port.on('message', async (message: ToWorkerMessage) => {
    try {
      const output = tf.tidy(() => {
        const input = tf.tensor4d(message.pixels, [...message.shape]);
        return network.predict(input) as tf.Tensor;
      });
      const values = (await output.data()) as Float32Array;
      output.dispose();
      // Transfer only a buffer that holds exactly these values (wasm's data() is a fresh copy).
      const owned = ownedArray(values);
      post({ type: 'features', id: message.id, values: owned, tensors: tf.memory().numTensors }, [
        owned.buffer as ArrayBuffer,
      ]);
    } catch (error) {
      post(workerErrorMessage(error, message.id));
    }
  });
  post({
    type: 'ready',
    featureDim: backbone.featureDim,
    weightsId: backbone.weightsId,
    cacheIdentity,
    backend: tf.getBackend(),
    tensors: tf.memory().numTensors,
  });
} catch (error) {
  post(workerErrorMessage(error));
}
