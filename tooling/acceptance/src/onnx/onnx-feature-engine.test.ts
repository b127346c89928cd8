import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMobileNetV2, createResNet } from '@graft/backbones';
import type { Backbone, ImageBatch, ImageDataset } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import { createOnnxFeatureComputer } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { backboneCacheIdentity, extractFeatures, MemoryFeatureStore } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhotos } from './sample-images.js';

// Issue 19 §1: the ONNX Runtime engine (@graft/onnx/node) computes the features the tfjs engine
// computes (the backbone's inferenceModel() on wasm) within 1e-4, on the 13 shared ImageNet
// photos and the ResNet18 fixture input; its features are cached apart from tfjs's; a graph is
// converted once per weights.
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const resnetDir = join(sharedDir, 'fixtures/resnet');
let cacheDirectory = '';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  cacheDirectory = await mkdtemp(join(tmpdir(), 'graft-onnx-engine-'));
});
afterAll(async () => {
  await rm(cacheDirectory, { recursive: true, force: true });
});

/** Largest absolute difference between the tfjs engine's and the ONNX engine's features. */
async function engineDifference(backbone: Backbone, batch: tf.Tensor4D): Promise<number> {
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const reference = tf.tidy(() => network.predict(batch) as tf.Tensor);
  const expected = (await reference.data()) as Float32Array;
  reference.dispose();
  const computer = await createOnnxFeatureComputer({
    backbone,
    cacheIdentity: await backboneCacheIdentity(backbone),
    cacheDirectory,
  });
  try {
    const before = tf.memory().numTensors;
    const pixels = (await batch.data()) as Float32Array;
    const shape = batch.shape as [number, number, number, number];
    const actual = await computer.computeFeatures({ pixels: pixels.slice(), shape });
    // A second batch through the same session: ONNX Runtime creates no tfjs tensors.
    await computer.computeFeatures({ pixels: pixels.slice(), shape });
    expect(tf.memory().numTensors).toBe(before);
    expect(actual).toHaveLength(expected.length);
    let largest = 0;
    for (let index = 0; index < expected.length; index++) {
      largest = Math.max(
        largest,
        Math.abs((actual[index] as number) - (expected[index] as number)),
      );
    }
    console.log(
      `${backbone.weightsId}: ONNX Runtime vs tfjs max abs difference ${largest.toExponential(2)} over ${expected.length} features`,
    );
    return largest;
  } finally {
    await computer.close();
  }
}

describe('createOnnxFeatureComputer agrees with tfjs within 1e-4', () => {
  it('on the 13 ImageNet samples through MobileNetV2 1.0 (Keras weights)', async () => {
    const backbone = await createMobileNetV2({
      alpha: 1.0,
      mirrorDirs: [mirrorDir],
      offline: true,
      cacheDir: '/nonexistent',
    });
    const batch = await samplePhotos(backbone.preprocessing, 13);
    try {
      expect(await engineDifference(backbone, batch)).toBeLessThan(1e-4);
    } finally {
      batch.dispose();
      backbone.dispose();
    }
  }, 180_000);

  it('on the ResNet18 fixture input (torchvision-layout weights)', async () => {
    const backbone = await createResNet({
      depth: 18,
      weightsPath: join(resnetDir, 'resnet18.safetensors'),
    });
    // fixtures.json: float32 [2, 3, 224, 224] NCHW, already normalized.
    const bytes = readFileSync(join(resnetDir, 'input.bin'));
    const input = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const batch = tf.tidy(() =>
      tf.transpose(tf.tensor4d(input, [2, 3, 224, 224]), [0, 2, 3, 1]),
    ) as tf.Tensor4D;
    try {
      expect(await engineDifference(backbone, batch)).toBeLessThan(1e-4);
    } finally {
      batch.dispose();
      backbone.dispose();
    }
  }, 180_000);
});

/** `count` random 16×16 images in two classes, keyed by index (for the feature store). */
function randomImages(count: number): ImageDataset {
  const labels = Array.from({ length: count }, (_, index) => index % 2);
  return {
    classNames: ['a', 'b'],
    size: count,
    labels: () => labels,
    async *batches({ batchSize }): AsyncIterable<ImageBatch> {
      for (let start = 0; start < count; start += batchSize) {
        const rows = labels.slice(start, start + batchSize);
        yield {
          images: tf.randomUniform([rows.length, 16, 16, 3], 0, 255, 'float32', start + 1),
          labels: tf.tensor1d(rows, 'int32'),
          keys: rows.map((_, index) => `image-${start + index}`),
        };
      }
    },
  };
}

describe('the ONNX Runtime engine in extractFeatures', () => {
  it('records the engine: ONNX features are not served to a tfjs run, nor the reverse', async () => {
    const backbone = tinyBackbone({ seed: 4 });
    const data = randomImages(10);
    const store = new MemoryFeatureStore();
    const computer = await createOnnxFeatureComputer({
      backbone,
      cacheIdentity: await backboneCacheIdentity(backbone),
      cacheDirectory,
    });
    try {
      const onnx = await extractFeatures({
        backbone,
        data,
        batchSize: 4,
        store,
        featureComputer: computer,
      });
      expect(onnx.stats).toMatchObject({ engine: 'onnxruntime', cacheHits: 0, backboneImages: 10 });
      const tfjs = await extractFeatures({ backbone, data, batchSize: 4, store });
      expect(tfjs.stats).toMatchObject({ engine: 'tfjs', cacheHits: 0, backboneImages: 10 });
      expect(store.size).toBe(20);
      const again = await extractFeatures({
        backbone,
        data,
        batchSize: 4,
        store,
        featureComputer: computer,
      });
      expect(again.stats).toMatchObject({ cacheHits: 10, backboneImages: 0 });
      expect(again.table.features).toEqual(onnx.table.features);
      let largest = 0;
      onnx.table.features.forEach((value, index) => {
        largest = Math.max(largest, Math.abs(value - (tfjs.table.features[index] as number)));
      });
      expect(largest).toBeLessThan(1e-4);
    } finally {
      await computer.close();
      backbone.dispose();
    }
  });

  it('converts a graph once per weights: other weights, other identity, another graph', async () => {
    const first = tinyBackbone({ seed: 1 });
    const other = tinyBackbone({ seed: 2 });
    const create = async (backbone: Backbone) => {
      const computer = await createOnnxFeatureComputer({
        backbone,
        cacheIdentity: await backboneCacheIdentity(backbone),
        cacheDirectory,
      });
      await computer.close();
      return computer.graph;
    };
    try {
      const converted = await create(first);
      expect(converted.reused).toBe(false);
      expect(await create(first)).toEqual({ ...converted, reused: true });
      const otherGraph = await create(other);
      expect(otherGraph.reused).toBe(false);
      expect(otherGraph.path).not.toBe(converted.path);
    } finally {
      first.dispose();
      other.dispose();
    }
  });
});
