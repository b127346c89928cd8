import '@tensorflow/tfjs-backend-cpu';
import type { ImageAugmentation } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset } from '../testing/fixtures.js';
import { extractFeatures } from './extract-features.js';
import { featureCacheKeys } from './feature-cache-keys.js';
import { MemoryFeatureStore } from './feature-store.js';

/** Brightness jitter; deterministic in its seed. */
const jitter: ImageAugmentation = {
  name: 'jitter',
  apply(batch, options) {
    const factor = 0.7 + 0.6 * ((options.seed % 1000) / 1000);
    return {
      images: tf.tidy(() => tf.clipByValue(tf.mul(batch.images, factor), 0, 255) as tf.Tensor4D),
      labels: tf.clone(batch.labels),
    };
  },
  toConfig: () => ({ name: 'jitter' }),
};

describe('featureCacheKeys', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keys clean features by image alone, augmented ones by batch and position too', async () => {
    const clean = await featureCacheKeys({ prefix: 'p', imageKeys: ['a', 'b'], augmented: false });
    expect(clean).toEqual(['p|a', 'p|b']);
    const first = await featureCacheKeys({ prefix: 'p', imageKeys: ['a', 'b'], augmented: true });
    const swapped = await featureCacheKeys({ prefix: 'p', imageKeys: ['b', 'a'], augmented: true });
    const other = await featureCacheKeys({ prefix: 'p', imageKeys: ['a', 'c'], augmented: true });
    expect(new Set([...first, ...swapped, ...other, ...clean]).size).toBe(8);
  });

  it('never serves augmented features from clean ones, and reuses augmented ones as such', async () => {
    const backbone = tinyBackbone({ featureDim: 6 });
    const data = new ColourDataset({ count: 10, numClasses: 3 });
    const store = new MemoryFeatureStore();
    const run = (augmentation?: ImageAugmentation) =>
      extractFeatures({
        backbone,
        data,
        batchSize: 4,
        store,
        ...(augmentation ? { augmentation } : {}),
      });
    expect((await run()).stats).toMatchObject({ cacheHits: 0, backboneImages: 10 });
    const augmented = await run(jitter);
    expect(augmented.stats).toMatchObject({ cacheHits: 0, backboneImages: 10 });
    const again = await run(jitter);
    expect(again.stats).toMatchObject({ cacheHits: 10, backboneImages: 0 });
    expect(Array.from(again.table.features)).toEqual(Array.from(augmented.table.features));
    expect((await run()).stats).toMatchObject({ cacheHits: 10, backboneImages: 0 });
    backbone.dispose();
  });

  it('computes only the images the store misses, with the features a full pass gives', async () => {
    const backbone = tinyBackbone({ featureDim: 6 });
    const data = new ColourDataset({ count: 10, numClasses: 3 });
    const store = new MemoryFeatureStore();
    const full = await extractFeatures({ backbone, data, batchSize: 4, store });
    // The keys in dataset order, recorded from a pass that hits every one.
    const keys: string[] = [];
    const recorder = {
      get: (key: string) => {
        keys.push(key);
        return store.get(key);
      },
      set: () => Promise.resolve(),
    };
    await extractFeatures({ backbone, data, batchSize: 4, store: recorder });
    // Forget two images of different batches (e.g. two edited files).
    const partial = {
      get: (key: string) =>
        key === keys[1] || key === keys[6] ? Promise.resolve(undefined) : store.get(key),
      set: (key: string, features: Float32Array) => store.set(key, features),
    };
    const before = tf.memory().numTensors;
    const again = await extractFeatures({ backbone, data, batchSize: 4, store: partial });
    expect(tf.memory().numTensors).toBe(before);
    expect(again.stats).toMatchObject({
      images: 10,
      cacheHits: 8,
      backboneImages: 2,
      backboneCalls: 2,
    });
    for (let index = 0; index < full.table.features.length; index++) {
      expect(again.table.features[index]).toBeCloseTo(full.table.features[index] as number, 5);
    }
    expect(Array.from(again.table.labels)).toEqual(Array.from(full.table.labels));
    backbone.dispose();
  });
});
