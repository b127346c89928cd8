// Throughput of the standard training pipeline (random resized crop 224 + horizontal flip +
// colour jitter + normalise to [-1, 1]) on a batch of 32 images of 224x224, on the wasm and
// pure-JS cpu backends; plus RandAugment (2 ops, magnitude 9) on wasm for comparison.
import { type BenchRow, measure } from '@graft/bench-kit';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { disposeBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  compose,
  type ImageOp,
  normalize,
  randAugment,
  standardAugmentation,
} from '../src/index.js';

const suite = 'augmentation';
const batchSize = 32;

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const standard = compose([standardAugmentation({ size: 224 }), normalize({ range: [-1, 1] })]);
  const workloads: Array<{ backend: string; name: string; op: ImageOp; runs: number }> = [
    { backend: 'wasm', name: 'standard + normalize 224 b32', op: standard, runs: 5 },
    { backend: 'wasm', name: 'randAugment n2 m9 224 b32', op: randAugment(), runs: 5 },
    { backend: 'cpu', name: 'standard + normalize 224 b32', op: standard, runs: 3 },
  ];
  for (const workload of workloads) {
    await tf.setBackend(workload.backend);
    await tf.ready();
    const images = tf.randomUniform([batchSize, 224, 224, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const labels = tf.zeros([batchSize], 'int32') as tf.Tensor1D;
    let seed = 0;
    rows.push(
      await measure({
        suite,
        name: workload.name,
        items: batchSize,
        backend: workload.backend,
        runs: workload.runs,
        notes: 'input 224x224, output read back',
        run: async () => {
          const output = workload.op.apply({ images, labels }, { seed: seed++, numClasses: 2 });
          await output.images.data();
          disposeBatch(output);
        },
      }),
    );
    tf.dispose([images, labels]);
  }
  return rows;
}
