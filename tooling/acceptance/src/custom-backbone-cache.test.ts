// Acceptance (issue 17 §2, "features are cached per weights, never per name"): two different
// networks wrapped by backboneFromModel under one name train through one on-disk feature store
// on real photos; each head trains on its own network's features.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backboneFromModel } from '@graft/backbones';
import type { Backbone, Preprocessing } from '@graft/core';
import { createHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { extractFeatures, train } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHymenoptera } from './hymenoptera.js';

const preprocessing: Preprocessing = {
  inputSize: [32, 32],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};

/** A user's small CNN, named `my_net` whatever its weights (so `weightsId` is `my_net:custom`). */
function myNet(seed: number): Backbone {
  const input = tfl.input({ shape: [32, 32, 3] });
  const features = tfl.layers
    .conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
    })
    .apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: features, name: 'my_net' });
  return backboneFromModel({ model, preprocessing });
}

describe('custom backbones of one name keep their cached features apart', () => {
  let directory: string;

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    directory = await mkdtemp(join(tmpdir(), 'graft-acceptance-features-'));
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('each head trains on its own network’s features; the same weights rebuilt hit the cache', async () => {
    const data = (await openHymenoptera(preprocessing)).dataset('val');
    const store = new DiskFeatureStore({ directory });
    const first = myNet(1);
    const second = myNet(2);
    expect([first.name, first.weightsId]).toEqual(['my_net', 'my_net:custom']);
    expect([second.name, second.weightsId]).toEqual([first.name, first.weightsId]);

    const run = async (backbone: Backbone) => {
      const head = createHead('linear', { featureDim: 8, numClasses: 2, seed: 1 });
      const result = await train({
        backbone,
        head,
        trainData: data,
        mode: 'feature-extraction',
        epochs: 2,
        batchSize: 32,
        featureStore: store,
        seed: 1,
      });
      head.dispose();
      return result.extraction;
    };
    expect(await run(first)).toMatchObject({ backboneImages: data.size, cacheHits: 0 });
    // Before issue 17, every image came from the first network's cache here.
    expect(await run(second)).toMatchObject({ backboneImages: data.size, cacheHits: 0 });

    // What the store serves each network equals that network's own forward pass.
    const fresh = async (backbone: Backbone) =>
      (await extractFeatures({ backbone, data, batchSize: 32 })).table.features;
    const firstFresh = await fresh(first);
    const secondFresh = await fresh(second);
    expect(secondFresh).not.toEqual(firstFresh);
    for (const [backbone, features] of [
      [first, firstFresh],
      [second, secondFresh],
    ] as const) {
      const { table, stats } = await extractFeatures({ backbone, data, batchSize: 32, store });
      expect(stats.cacheHits).toBe(data.size);
      expect(table.features).toEqual(features);
    }

    // The first network built again (other generated layer names, same weights): all cached.
    const rebuilt = myNet(1);
    expect(await run(rebuilt)).toMatchObject({ backboneImages: 0, cacheHits: data.size });
    for (const backbone of [first, second, rebuilt]) backbone.dispose();
  });
});
