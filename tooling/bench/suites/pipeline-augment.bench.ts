// Workload 3: data pipeline on the ants/bees train JPEGs (244): read + decode + resize (sharp,
// center-crop 224) in batches of 32, then random resized crop (scale 0.08–1, torchvision's
// default) + horizontal flip + normalize on wasm. The PyTorch side (`pipeline/augment/224`) is
// torchvision's recipe: ImageFolder + RandomResizedCrop(224) on the full image + flip + ToTensor
// + Normalize, DataLoader with one worker per core.
import { join, resolve } from 'node:path';
import { compose, normalize, randomFlip, randomResizedCrop } from '@graft/augmentation';
import { type BenchRow, measure } from '@graft/bench-kit';
import { disposeBatch } from '@graft/core';
import { openImageFolder } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { liveTensors } from './workloads.js';

const sharedDir =
  process.env.GRAFT_SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared');

export default async function run(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const folder = await openImageFolder({
    root: join(sharedDir, 'data', 'hymenoptera'),
    imageSize: [224, 224],
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    onBadImage: 'skip',
  });
  const train = folder.dataset('train');
  const augmentation = compose([
    randomResizedCrop({ size: 224 }),
    randomFlip({ mode: 'horizontal', probability: 0.5 }),
    normalize({ range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  ]);
  const tensorsBefore = liveTensors();
  let epoch = 0;
  const row = await measure({
    suite: 'pipeline (suites)',
    name: 'decode + random resized crop + flip + normalize, 224 b32',
    items: train.size,
    backend: 'wasm',
    warmup: 1,
    runs: 3,
    compare: 'pipeline/augment/224',
    run: async () => {
      epoch += 1;
      let batchIndex = 0;
      for await (const batch of train.batches({ batchSize: 32, shuffle: true, seed: 1, epoch })) {
        const augmented = augmentation.apply(batch, {
          seed: epoch * 1000 + batchIndex++,
          numClasses: 2,
        });
        // wasm runs ops eagerly; reading one value makes sure the batch is done.
        const corner = tf.slice(augmented.images, [0, 0, 0, 0], [1, 1, 1, 1]);
        await corner.data();
        corner.dispose();
        disposeBatch(augmented);
        disposeBatch(batch);
      }
    },
  });
  row.notes = `hymenoptera train (${train.size} JPEGs), sharp decode on libuv threads (concurrency 4), crop from the 224 center crop (torchvision crops the full image); live tensors ${tensorsBefore} before, ${liveTensors()} after`;
  return [row];
}
