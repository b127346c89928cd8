// Throughput of the default MLP head (1280 → Dense(1024, relu) → Dropout → Dense(10, softmax)) on
// MobileNetV2-sized pooled features, batch 32: inference and one training step (Adam), on the
// wasm and pure-JS CPU backends.
import { type BenchRow, measure } from '@graft/bench-kit';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { mlpHead } from '../src/index.js';

const suite = 'head';

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    const head = mlpHead({ featureDim: 1280, numClasses: 10, seed: 1 });
    head.model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const features = tf.randomNormal([32, 1280], 0, 1, 'float32', 1);
    const targets = tf.oneHot(tf.randomUniform([32], 0, 10, 'int32', 2), 10);
    rows.push(
      await measure({
        suite,
        name: 'mlp 1280→1024→10 predict b32',
        items: 32,
        unit: 'samples/s',
        backend,
        run: async () => {
          const output = head.model.predict(features) as tf.Tensor;
          await output.data();
          output.dispose();
        },
      }),
      await measure({
        suite,
        name: 'mlp 1280→1024→10 train step b32',
        items: 32,
        unit: 'samples/s',
        backend,
        notes: 'trainOnBatch, Adam, dropout 0.2',
        run: () => head.model.trainOnBatch(features, targets),
      }),
    );
    tf.dispose([features, targets]);
    head.dispose();
  }
  return rows;
}
