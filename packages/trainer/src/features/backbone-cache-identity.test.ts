import '@tensorflow/tfjs-backend-cpu';
import type { Backbone, Preprocessing } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { backboneCacheIdentity, canonicalPreprocessing } from './backbone-cache-identity.js';
import { extractFeatures } from './extract-features.js';
import { MemoryFeatureStore } from './feature-store.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const stretch: Preprocessing = {
  inputSize: [16, 16],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};

/**
 * A user's network wrapped the way `backboneFromModel` does by default: named by the caller,
 * labelled `<name>:custom`, layers left to tfjs's generated names (`conv2d_Conv2D7`, …), so two
 * constructions differ in names but not in weights when `seed` is the same.
 */
function customNet(
  options: {
    seed?: number;
    name?: string;
    weightsId?: string;
    pooling?: 'avg' | 'max';
    preprocessing?: Preprocessing;
  } = {},
): Backbone {
  const name = options.name ?? 'my_net';
  const input = tfl.input({ shape: [16, 16, 3] });
  const conv = tfl.layers
    .conv2d({
      filters: 6,
      kernelSize: 3,
      strides: 2,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: options.seed ?? 1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  // BatchNorm (trainable gamma/beta, non-trainable moving statistics) followed by weights:
  // freezing reorders model.weights.
  const normalized = tfl.layers.batchNormalization({}).apply(conv) as tfl.SymbolicTensor;
  const mixed = tfl.layers
    .conv2d({
      filters: 6,
      kernelSize: 1,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: (options.seed ?? 1) + 100 }),
    })
    .apply(normalized) as tfl.SymbolicTensor;
  const pooling =
    options.pooling === 'max'
      ? tfl.layers.globalMaxPooling2d({})
      : tfl.layers.globalAveragePooling2d({});
  const model = tfl.model({
    inputs: input,
    outputs: pooling.apply(mixed) as tfl.SymbolicTensor,
  });
  return {
    name,
    preprocessing: options.preprocessing ?? stretch,
    featureDim: 6,
    weightsId: options.weightsId ?? `${name}:custom`,
    model,
    stages: [],
    freeze() {},
    unfreeze() {},
    getConfig: () => ({ name }),
    dispose: () => model.dispose(),
  };
}

/** The backbone's features of every image of `data`, computed now (no store). */
async function freshFeatures(backbone: Backbone, data: ColourDataset): Promise<Float32Array> {
  const { table } = await extractFeatures({ backbone, data, batchSize: 8 });
  return table.features;
}

/** Images of the second backbone served from a store the first one filled. */
async function hitsAfter(first: Backbone, second: Backbone): Promise<number> {
  const data = new ColourDataset({ count: 8, seed: 4 });
  const store = new MemoryFeatureStore();
  await extractFeatures({ backbone: first, data, batchSize: 8, store });
  const { stats } = await extractFeatures({ backbone: second, data, batchSize: 8, store });
  return stats.cacheHits;
}

describe('feature caches follow the weights, not the name', () => {
  it('two networks of one name train on their own features through one shared store', async () => {
    const trainData = new ColourDataset({ count: 24, seed: 1 });
    const store = new MemoryFeatureStore();
    const first = customNet({ seed: 1 });
    const second = customNet({ seed: 2 });
    expect(second.name).toBe(first.name);
    expect(second.weightsId).toBe(first.weightsId);
    const run = async (backbone: Backbone) => {
      const head = denseHead({ featureDim: 6, numClasses: 3 });
      const result = await train({
        backbone,
        head,
        trainData,
        mode: 'feature-extraction',
        epochs: 1,
        featureStore: store,
        extractionBatchSize: 8,
      });
      head.dispose();
      return result.extraction;
    };
    expect(await run(first)).toMatchObject({ backboneCalls: 3, cacheHits: 0 });
    // Before: the second network's features were the first one's, served from the store.
    expect(await run(second)).toMatchObject({ backboneCalls: 3, cacheHits: 0 });
    expect(store.size).toBe(48);

    // What the store now serves each network is that network's own forward pass.
    const firstFresh = await freshFeatures(first, trainData);
    const secondFresh = await freshFeatures(second, trainData);
    expect(secondFresh).not.toEqual(firstFresh);
    for (const [backbone, fresh] of [
      [first, firstFresh],
      [second, secondFresh],
    ] as const) {
      const { table, stats } = await extractFeatures({
        backbone,
        data: trainData,
        batchSize: 8,
        store,
      });
      expect(stats.cacheHits).toBe(24);
      expect(table.features).toEqual(fresh);
    }
    first.dispose();
    second.dispose();
  });

  it('the same weights built twice (other generated layer names) share the cache', async () => {
    const data = new ColourDataset({ count: 16, seed: 2 });
    const store = new MemoryFeatureStore();
    const first = customNet({ seed: 5 });
    const second = customNet({ seed: 5 });
    expect(second.model.layers.map((layer) => layer.name)).not.toEqual(
      first.model.layers.map((layer) => layer.name),
    );
    expect(await backboneCacheIdentity(second)).toBe(await backboneCacheIdentity(first));
    await extractFeatures({ backbone: first, data, batchSize: 8, store });
    const { stats } = await extractFeatures({ backbone: second, data, batchSize: 8, store });
    expect(stats).toMatchObject({ cacheHits: 16, backboneCalls: 0 });
    first.dispose();
    second.dispose();
  });

  it('an explicit weightsId adds to the content, never replaces it', async () => {
    const first = customNet({ seed: 1, weightsId: 'team-net:v1' });
    const second = customNet({ seed: 2, weightsId: 'team-net:v1' });
    const relabelled = customNet({ seed: 1, weightsId: 'team-net:v2' });
    const identity = await backboneCacheIdentity(first);
    expect(await backboneCacheIdentity(second)).not.toBe(identity);
    expect(await backboneCacheIdentity(relabelled)).not.toBe(identity);
    expect(await hitsAfter(first, second)).toBe(0);
    expect(await hitsAfter(first, relabelled)).toBe(0);
    for (const backbone of [first, second, relabelled]) backbone.dispose();
  });

  it('the feature layer’s pooling is part of the identity (same weights, other features)', async () => {
    const average = customNet({ seed: 1, pooling: 'avg' });
    const maximum = customNet({ seed: 1, pooling: 'max' });
    expect(await backboneCacheIdentity(maximum)).not.toBe(await backboneCacheIdentity(average));
    expect(await hitsAfter(average, maximum)).toBe(0);
    average.dispose();
    maximum.dispose();
  });

  it('changed weights (fine-tuning, setWeights) change the identity; restoring them restores it', async () => {
    const backbone = customNet({ seed: 1 });
    const data = new ColourDataset({ count: 8, seed: 4 });
    const store = new MemoryFeatureStore();
    await extractFeatures({ backbone, data, batchSize: 8, store });
    const original = await backboneCacheIdentity(backbone);
    const layer = backbone.model.layers[1] as tfl.layers.Layer;
    const saved = layer.getWeights().map((weight) => weight.clone());
    const nudged = saved.map((weight) => tf.add(weight, 0.01));
    layer.setWeights(nudged);
    const tuned = await backboneCacheIdentity(backbone);
    expect(tuned).not.toBe(original);
    // The same backbone object, fine-tuned: its frozen features of before are not reused.
    const afterTuning = await extractFeatures({ backbone, data, batchSize: 8, store });
    expect(afterTuning.stats.cacheHits).toBe(0);
    // Frozen or not (freezing reorders model.weights), the same values compute the same features.
    const frozenTwin = customNet({ seed: 1 });
    frozenTwin.model.layers[1]?.setWeights(nudged);
    for (const each of frozenTwin.model.layers) each.trainable = false;
    expect(await backboneCacheIdentity(frozenTwin)).toBe(tuned);
    frozenTwin.dispose();
    layer.setWeights(saved);
    expect(await backboneCacheIdentity(backbone)).toBe(original);
    tf.dispose([...saved, ...nudged]);
    backbone.dispose();
  });

  it('preprocessing is part of the identity, with its defaults filled', async () => {
    const identityWith = async (preprocessing: Preprocessing) => {
      const backbone = customNet({ seed: 1, preprocessing });
      const identity = await backboneCacheIdentity(backbone);
      backbone.dispose();
      return identity;
    };
    const crop: Preprocessing = {
      ...stretch,
      resize: { mode: 'center-crop', interpolation: 'bilinear' },
    };
    const base = await identityWith(crop);
    expect(await identityWith({ ...crop, mean: [0.5, 0, 0] })).not.toBe(base);
    expect(await identityWith({ ...crop, channelOrder: 'bgr' })).not.toBe(base);
    expect(await identityWith({ ...crop, resize: { ...crop.resize, antialias: false } })).not.toBe(
      base,
    );
    expect(
      await identityWith({ ...crop, resize: { ...crop.resize, rounding: 'teachable-machine' } }),
    ).not.toBe(base);
    expect(await identityWith({ ...crop, resize: { ...crop.resize, cropFraction: 0.9 } })).not.toBe(
      base,
    );
    expect(await identityWith(stretch)).not.toBe(base);
    // Spelling out the defaults, in another key order, is the same preprocessing.
    const spelled: Preprocessing = {
      resize: {
        rounding: 'torchvision',
        cropFraction: 0.875,
        antialias: true,
        interpolation: 'bilinear',
        mode: 'center-crop',
      },
      std: [1, 1, 1],
      mean: [0, 0, 0],
      inputRange: [-1, 1],
      channelOrder: 'rgb',
      inputSize: [16, 16],
    };
    expect(canonicalPreprocessing(spelled)).toBe(canonicalPreprocessing(crop));
    expect(await identityWith(spelled)).toBe(base);
    const terse = customNet({ seed: 1, preprocessing: crop });
    const explicit = customNet({ seed: 1, preprocessing: spelled });
    const otherMean = customNet({ seed: 1, preprocessing: { ...crop, mean: [0.5, 0, 0] } });
    expect(await hitsAfter(terse, explicit)).toBe(8);
    expect(await hitsAfter(terse, otherMean)).toBe(0);
    for (const backbone of [terse, explicit, otherMean]) backbone.dispose();
  });

  it('computing the identity creates no tensors', async () => {
    const backbone = customNet({ seed: 3 });
    const before = tf.memory().numTensors;
    await expectNoTensorLeaks(() => backboneCacheIdentity(backbone));
    // Each weight changed between calls: the hashing path itself (not only the memo) is checked.
    await expectNoTensorLeaks(async () => {
      const layer = backbone.model.layers[1] as tfl.layers.Layer;
      const next = layer.getWeights().map((weight) => tf.mul(weight, 1.5));
      layer.setWeights(next);
      tf.dispose(next);
      return backboneCacheIdentity(backbone);
    });
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
  });
});
