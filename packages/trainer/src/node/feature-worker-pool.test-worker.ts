// Worker module of feature-worker-pool.test.ts (not a test file itself): builds, in each worker,
// the backbone the test names, on the backend the test names.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import type { Backbone, JsonValue } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** What the test asks each worker to build. */
export interface TestWorkerData {
  /**
   * `mobilenet`: MobileNetV2 0.35 (Teachable Machine weights) on wasm; `tiny`: core's tiny
   * backbone on cpu; `uneven`: tiny, 400 ms slower on batches whose first image is red;
   * `failing`: tiny, throws on its second batch; `exits`: the thread exits (code 3) on its first
   * batch; `oom`: throws a wasm out-of-memory abort;
   * `broken`: cannot build its backbone; `one-label`: tiny with other weights in each worker
   * (seed 3 + worker index) under one `weightsId`.
   */
  kind: 'mobilenet' | 'tiny' | 'uneven' | 'failing' | 'exits' | 'oom' | 'broken' | 'one-label';
}

/** Teachable Machine MobileNetV2 0.35 base + global average pooling, from the shared assets. */
export async function mobileNetBackbone(): Promise<Backbone> {
  const directory = join(
    process.env.GRAFT_SHARED_DIR ?? '/work/shared',
    'weights/teachable-machine/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top',
  );
  const json = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8'));
  const weights = await readFile(join(directory, 'group1-shard1of1.bin'));
  const base = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const pooled = tfl.layers
    .globalAveragePooling2d({})
    .apply(base.outputs[0] as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: base.inputs, outputs: pooled });
  return {
    name: 'mobilenet_v2_0.35_test',
    preprocessing: {
      inputSize: [224, 224],
      channelOrder: 'rgb',
      inputRange: [-1, 1],
      mean: [0, 0, 0],
      std: [1, 1, 1],
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    },
    featureDim: 1280,
    weightsId: 'teachable-machine:mobilenet_v2_0.35_224',
    model,
    stages: [],
    freeze: () => undefined,
    unfreeze: () => undefined,
    getConfig: () => ({ name: 'mobilenet_v2_0.35_test' }),
    dispose: () => model.dispose(),
  };
}

/** Blocks this thread (a busy backbone), unlike a timer. */
function block(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

export async function createFeatureBackbone(data: JsonValue): Promise<Backbone> {
  const { kind } = data as unknown as TestWorkerData;
  if (kind === 'broken') throw new Error('no weights at /nowhere/model.json');
  if (kind === 'mobilenet') {
    await tf.setBackend('wasm');
    return mobileNetBackbone();
  }
  await tf.setBackend('cpu');
  if (kind === 'one-label') {
    const { index } = workerData as { index: number };
    return { ...tinyBackbone({ seed: 3 + index }), weightsId: 'tiny:custom' };
  }
  const backbone = tinyBackbone({ seed: 3 });
  if (kind === 'tiny') return backbone;
  const model = backbone.model;
  const original = model.predict.bind(model);
  let calls = 0;
  // Patched on the model itself: it stays a LayersModel (its weights are hashed for the cache).
  model.predict = ((input: tf.Tensor) => {
    calls++;
    if (kind === 'failing' && calls === 2) throw new Error('kernel exploded');
    if (kind === 'exits') process.exit(3);
    if (kind === 'oom') throw new Error('Aborted(OOM). Build with -sASSERTIONS for more info.');
    if (kind === 'uneven' && (input.dataSync()[0] as number) > 0) block(400);
    return original(input);
  }) as tfl.LayersModel['predict'];
  return backbone;
}
