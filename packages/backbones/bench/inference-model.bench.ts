// Forward throughput (pooled features, batch 32 at 224, wasm, one thread) of each built-in
// backbone's `model` next to its `inferenceModel()` (BatchNorm folded into the convolutions,
// ReLU/ReLU6 fused, zero padding absorbed): what folding buys frozen feature extraction.
import { type BenchRow, measure } from '@graft/bench-kit';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createMobileNetV2, createResNet, type GraftBackbone } from '../src/index.js';

const suite = 'backbone forward (BatchNorm folding)';

// Random weights: the arithmetic, hence the speed, is the same as with pretrained ones. ResNets
// take 7-35 s per batch on one thread: fewer timed runs there, to stay within the runner's
// per-file limit (GRAFT_BENCH_SUITE_SECONDS, 180 s; rows measured before it are kept).
const backbones: ReadonlyArray<{
  key: string;
  runs: number;
  create: () => Promise<GraftBackbone>;
}> = [
  {
    key: 'mobilenet_v2_0.35',
    runs: 5,
    create: () => createMobileNetV2({ alpha: 0.35, pretrained: false, seed: 1 }),
  },
  {
    key: 'mobilenet_v2_1.0',
    runs: 3,
    create: () => createMobileNetV2({ alpha: 1.0, pretrained: false, seed: 1 }),
  },
  { key: 'resnet18', runs: 2, create: () => createResNet({ depth: 18, pretrained: false }) },
  { key: 'resnet50', runs: 1, create: () => createResNet({ depth: 50, pretrained: false }) },
];

export default async function run(): Promise<BenchRow[]> {
  await tf.setBackend('wasm');
  await tf.ready();
  const rows: BenchRow[] = [];
  const batch = tf.randomUniform([32, 224, 224, 3], -1, 1, 'float32', 1);
  for (const { key, runs, create } of backbones) {
    const backbone = await create();
    const variants: Array<[string, tfl.LayersModel, string]> = [
      ['model', backbone.model, 'inference mode, BatchNorm/ReLU6/padding as separate kernels'],
      [
        'inferenceModel()',
        backbone.inferenceModel(),
        'BatchNorm folded, ReLU/ReLU6 fused, zero padding absorbed',
      ],
    ];
    for (const [variant, model, notes] of variants) {
      rows.push(
        await measure({
          suite,
          name: `${key} 224 b32 ${variant}`,
          items: 32,
          backend: 'wasm',
          runs,
          notes,
          run: async () => {
            const features = model.predict(batch) as tf.Tensor;
            await features.data();
            features.dispose();
          },
        }),
      );
    }
    backbone.dispose();
  }
  batch.dispose();
  return rows;
}
