// Worker module of trainWorkersRow (createTrainingWorkerPool loads it in each worker thread): the
// wasm backend with the runtime's training kernels, and the same random backbone as the main
// thread (the pool copies the main thread's weights in before every step anyway).
import type { Backbone, JsonValue } from '@graft/core';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import { type BackboneKey, createRandomBackbone } from './workloads.js';

export async function createFeatureBackbone(data: JsonValue): Promise<Backbone> {
  const { key } = data as { key: BackboneKey };
  await initBackend({ prefer: 'wasm' });
  return createRandomBackbone(key);
}
