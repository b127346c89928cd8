// Workload 2 (head only): one epoch of a linear head on cached features — 244 MobileNetV2 1.0
// feature vectors (1280) of the ants/bees train split, batches of 32, Adam — the same shapes as
// `train/head/cached-features` in ../pytorch/workloads.py.
import { type BenchRow, measure } from '@graft/bench-kit';
import { linearHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { adam, computeGradients, type OptimizedVariable } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { liveTensors } from './workloads.js';

const samples = 244;
const featureDim = 1280;
const batchSize = 32;

export default async function run(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const tensorsBefore = liveTensors();
  const head = linearHead({ featureDim, numClasses: 2, seed: 1 });
  const variables: OptimizedVariable[] = head.model.trainableWeights.map((weight, index) => ({
    key: `${index}/${weight.name}`,
    variable: weight.read() as tf.Variable,
  }));
  const optimizer = adam({ learningRate: 1e-3 });
  const features = tf.randomUniform([samples, featureDim], 0, 1, 'float32', 1);
  const targets = tf.oneHot(tf.randomUniform([samples], 0, 2, 'int32', 2), 2);
  const batches = Array.from({ length: Math.ceil(samples / batchSize) }, (_, index) => {
    const start = index * batchSize;
    const size = Math.min(batchSize, samples - start);
    return { inputs: tf.slice(features, start, size), targets: tf.slice(targets, start, size) };
  });
  const forward = (x: tf.Tensor) => head.model.apply(x, { training: true }) as tf.Tensor;
  const row = await measure({
    suite: 'train (suites)',
    name: `head epoch on cached features (${samples}×${featureDim}, b${batchSize}, linear, Adam)`,
    items: samples,
    backend: 'wasm',
    warmup: 1,
    runs: 5,
    compare: 'train/head/cached-features',
    run: async () => {
      let loss: tf.Scalar | undefined;
      for (const batch of batches) {
        const step = computeGradients({ forward, ...batch, activation: 'softmax', variables });
        optimizer.applyGradients({ variables, gradients: step.gradients, learningRate: 1e-3 });
        loss?.dispose();
        loss = step.loss;
        tf.dispose([step.correct, step.globalNorm, ...step.gradients]);
      }
      await loss?.data();
      loss?.dispose();
    },
  });
  const tensorsAfterRuns = liveTensors();
  tf.dispose([features, targets, ...batches.flatMap((batch) => [batch.inputs, batch.targets])]);
  optimizer.dispose();
  head.dispose();
  row.notes = `live tensors: ${tensorsBefore} before, ${tensorsAfterRuns} after 6 epochs (data, head, Adam slots), ${liveTensors()} after dispose`;
  return [row];
}
