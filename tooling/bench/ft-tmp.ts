import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose, randomFlip, randomResizedCrop } from '@graft/augmentation';
import { disposeBatch } from '@graft/core';
import { type FileImageDataset, openImageFolder } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
await initBackend({ prefer: 'wasm' });
const pre = { inputSize: [224, 224], channelOrder: 'rgb', inputRange: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' } } as const;
const planner = compose([randomResizedCrop({ size: 224 }), randomFlip({ mode: 'horizontal', probability: 0.5 })]).viewPlanner()!;
let epoch = 0;
async function run(label: string, cache: boolean) {
  const folder = await openImageFolder({ root: '/work/shared/data/hymenoptera', imageSize: [224, 224], resize: pre.resize, ...(cache ? { pixelCache: { directory: await mkdtemp(join(tmpdir(), 'px-')) } } : {}) });
  const train = folder.dataset('train') as FileImageDataset;
  epoch++;
  const c0 = process.cpuUsage(); const t0 = performance.now(); const e0 = performance.eventLoopUtilization();
  for await (const batch of train.viewBatches({ normalizeFor: pre as never, batchSize: 32, shuffle: true, seed: 1, epoch, outputSize: [224, 224], viewsOf: (b, n) => planner.views({ seed: epoch * 1000 + b, count: n, frame: [224, 224] }) })) {
    const corner = tf.slice(batch.images, [0, 0, 0, 0], [1, 1, 1, 1]); await corner.data(); corner.dispose(); disposeBatch(batch);
  }
  const c = process.cpuUsage(c0);
  console.log(`${label}: ${(train.size / ((performance.now() - t0) / 1000)).toFixed(0)} img/s, ${((c.user + c.system) / 1000 / train.size).toFixed(2)} CPU-ms/img, main active ${(performance.eventLoopUtilization(e0).active / train.size).toFixed(2)} ms/img`);
}
for (let i = 0; i < 3; i++) { await run('first touch', true); await run('no cache', false); }
