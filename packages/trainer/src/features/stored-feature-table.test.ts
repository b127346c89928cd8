import '@tensorflow/tfjs-backend-cpu';
import type { DatasetImageKeys, ImageKeysOptions } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset } from '../testing/fixtures.js';
import { extractFeatures } from './extract-features.js';
import { type FeatureStore, MemoryFeatureStore } from './feature-store.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const backbone = tinyBackbone({ seed: 5 });

/** ColourDataset that names its keys and sources without decoding, as files on disk do. */
class KeyedDataset extends ColourDataset {
  keysKnown = true;
  /** How many keys each `imageKeys` call asked for. */
  readonly keysAsked: number[] = [];
  async imageKeys(options: ImageKeysOptions = {}): Promise<DatasetImageKeys | undefined> {
    if (!this.keysKnown) return undefined;
    const count = Math.min(options.limit ?? this.size, this.size);
    this.keysAsked.push(count);
    const rows = Array.from({ length: count }, (_, row) => row);
    return {
      keys: rows.map((row) => `colour-0-${this.size}-${row}`),
      sources: rows.map((row) => `memory://${row}.png`),
    };
  }
}

/** A store that forgets one key, as after an edited file. */
function forgetting(store: FeatureStore, forgotten: (key: string) => boolean): FeatureStore {
  return {
    get: async (key) => (forgotten(key) ? undefined : store.get(key)),
    set: (key, features) => store.set(key, features),
  };
}

describe('extractFeatures on a fully stored clean pass', () => {
  it('builds the same table from the store without decoding an image', async () => {
    const data = new KeyedDataset({ count: 10, numClasses: 3 });
    const store = new MemoryFeatureStore();
    const first = await extractFeatures({ backbone, data, batchSize: 4, store });
    const served = data.batchesServed;
    expect(served).toBe(3);
    const progress: number[][] = [];
    const second = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store,
      onProgress: (done, total, cached) => progress.push([done, total, cached]),
    });
    expect(data.batchesServed).toBe(served);
    expect(second.table).toEqual(first.table);
    expect(second.stats).toMatchObject({ images: 10, cacheHits: 10, backboneImages: 0 });
    expect(progress).toEqual([[10, 10, 10]]);
  });

  it('decodes as before when one feature is missing or the keys are unknown', async () => {
    const data = new KeyedDataset({ count: 6, numClasses: 2 });
    const store = new MemoryFeatureStore();
    const first = await extractFeatures({ backbone, data, batchSize: 4, store });
    const partial = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store: forgetting(store, (key) => key.endsWith('-3')),
    });
    expect(data.batchesServed).toBe(4);
    expect(partial.table).toEqual(first.table);
    expect(partial.stats).toMatchObject({ cacheHits: 5, backboneImages: 1 });
    data.keysKnown = false;
    await extractFeatures({ backbone, data, batchSize: 4, store });
    expect(data.batchesServed).toBe(6);
  });

  it('asks a cold store for the first key only, not every file', async () => {
    const data = new KeyedDataset({ count: 10, numClasses: 2 });
    const store = new MemoryFeatureStore();
    await extractFeatures({ backbone, data, batchSize: 4, store });
    expect(data.keysAsked).toEqual([1]);
    await extractFeatures({ backbone, data, batchSize: 4, store });
    expect(data.keysAsked).toEqual([1, 1, 10]);
  });

  it('reads every stored entry once (a disk store counts each read as a hit)', async () => {
    const data = new KeyedDataset({ count: 10, numClasses: 2 });
    const store = new MemoryFeatureStore();
    await extractFeatures({ backbone, data, batchSize: 4, store });
    const reads: string[] = [];
    const counting: FeatureStore = {
      get: (key) => {
        reads.push(key);
        return store.get(key);
      },
      set: (key, features) => store.set(key, features),
    };
    const { stats } = await extractFeatures({ backbone, data, batchSize: 4, store: counting });
    expect(stats.cacheHits).toBe(10);
    expect(reads).toHaveLength(10);
    expect(new Set(reads).size).toBe(10);
  });
});
