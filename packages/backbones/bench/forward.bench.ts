// Forward throughput of MobileNetV2 feature extraction (pooled features), batch 32 at 224, on
// the wasm and pure-JS CPU backends; the same workload as `forward/<key>/b32` on the PyTorch side.
import { type BenchRow, measure } from '@graft/bench-kit';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { createMobileNetV2 } from '../src/index.js';

const suite = 'backbone forward';

export default async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const alpha of [0.35, 1.0] as const) {
      // Random weights: the arithmetic, hence the speed, is the same as with pretrained ones.
      const backbone = await createMobileNetV2({ alpha: alpha, pretrained: false, seed: 1 });
      const batch = tf.randomUniform([32, 224, 224, 3], -1, 1, 'float32', 1);
      const key = `mobilenet_v2_${alpha === 1.0 ? '1.0' : alpha}`;
      rows.push(
        await measure({
          suite,
          name: `${key} 224 b32`,
          items: 32,
          backend,
          // The pure-JS CPU backend takes ~50 s (α=0.35) to minutes (α=1.0) per batch of 32, and
          // has nothing to warm up: one timed run there.
          warmup: backend === 'cpu' ? 0 : 1,
          runs: backend === 'cpu' ? 1 : 5,
          compare: `forward/${key}/b32`,
          notes: 'features (out_relu + global average pooling), inference mode',
          run: async () => {
            const features = backbone.model.predict(batch) as tf.Tensor;
            await features.data();
            features.dispose();
          },
        }),
      );
      batch.dispose();
      backbone.dispose();
    }
  }
  return rows;
}
