import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { DiskFeatureStore } from './disk-feature-store.js';

describe('DiskFeatureStore', () => {
  let directory = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-features-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips float32 vectors and misses unknown keys', async () => {
    const store = new DiskFeatureStore({ directory });
    const values = new Float32Array([1.5, -2.25, 3e-8, 7]);
    await store.set('a|b', values.subarray(1, 3));
    expect(Array.from((await store.get('a|b')) ?? [])).toEqual([-2.25, Math.fround(3e-8)]);
    expect(await store.get('missing')).toBeUndefined();
  });

  it('lets a second process-like run skip the backbone', async () => {
    const cache = join(directory, 'run');
    const trainData = new ColourDataset({ count: 20, seed: 3 });
    const run = async () => {
      const backbone = tinyBackbone({ featureDim: 8 });
      const head = denseHead({ featureDim: 8, numClasses: 3 });
      const result = await train({
        backbone,
        head,
        trainData,
        mode: 'feature-extraction',
        epochs: 1,
        extractionBatchSize: 10,
        featureStore: new DiskFeatureStore({ directory: cache }),
      });
      backbone.dispose();
      head.dispose();
      return result.extraction;
    };
    expect(await run()).toMatchObject({ backboneCalls: 2, cacheHits: 0 });
    expect(await run()).toMatchObject({ backboneCalls: 0, cacheHits: 20 });
    // No temporary files left behind by the atomic writes.
    const shards = await readdir(cache);
    const files = (await Promise.all(shards.map((shard) => readdir(join(cache, shard))))).flat();
    expect(files).toHaveLength(20);
    expect(files.every((file) => file.endsWith('.f32'))).toBe(true);
  });
});
