import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMobileNetV2, createResNet } from '@graft/backbones';
import {
  type Backbone,
  GraftError,
  type ImageBatch,
  type ImageDataset,
  normalizeImages,
} from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import { backboneCacheIdentity, extractFeatures, MemoryFeatureStore } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOnnxFeatureComputer } from './onnx-feature-computer.js';

// Counts conversions: a graph read from the disk cache must not convert again.
const conversions = vi.hoisted(() => ({ count: 0 }));
vi.mock('../index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../index.js')>();
  return {
    ...original,
    convertToOnnx: (...parameters: Parameters<typeof original.convertToOnnx>) => {
      conversions.count++;
      return original.convertToOnnx(...parameters);
    },
  };
});

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const imagesDir = join(sharedDir, 'images/imagenet-samples');
const resnetDir = join(sharedDir, 'fixtures/resnet');
let cacheDirectory = '';

beforeAll(async () => {
  await tf.setBackend('wasm');
  cacheDirectory = await mkdtemp(join(tmpdir(), 'graft-onnx-engine-'));
});

afterAll(async () => {
  await rm(cacheDirectory, { recursive: true, force: true });
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

/** The shared ImageNet JPEG samples at 224, preprocessed for `backbone`, as one NHWC batch. */
function samplePhotos(backbone: Backbone): tf.Tensor4D {
  const files = readdirSync(imagesDir)
    .filter((file) => file.endsWith('.jpg'))
    .sort();
  return tf.tidy(() => {
    const resized = files.map((file) => {
      const { width, height, data } = jpeg.decode(readFileSync(join(imagesDir, file)), {
        useTArray: true,
        formatAsRGBA: false,
      });
      const image = tf.tensor3d(data, [height, width, 3], 'int32');
      return tf.image.resizeBilinear(image, [224, 224]);
    });
    return normalizeImages(tf.stack(resized) as tf.Tensor4D, backbone.preprocessing);
  });
}

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
      `${backbone.weightsId}: max abs difference ${largest.toExponential(2)} over ${expected.length} features`,
    );
    return largest;
  } finally {
    await computer.close();
  }
}

describe('createOnnxFeatureComputer agrees with tfjs', () => {
  it('on the ImageNet samples through MobileNetV2 1.0 (Keras weights)', async () => {
    const backbone = await createMobileNetV2({
      alpha: 1.0,
      mirrorDirs: [mirrorDir],
      offline: true,
      cacheDir: '/nonexistent',
    });
    const batch = samplePhotos(backbone);
    try {
      expect(batch.shape[0]).toBe(6);
      expect(await engineDifference(backbone, batch)).toBeLessThan(1e-4);
    } finally {
      batch.dispose();
      backbone.dispose();
    }
  }, 120_000);

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
  }, 120_000);
});

describe('createOnnxFeatureComputer caches the graph on disk', () => {
  it('reuses the graph of the same weights and converts other weights', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'graft-onnx-graph-'));
    const first = tinyBackbone({ seed: 1 });
    const other = tinyBackbone({ seed: 2 });
    try {
      const identity = await backboneCacheIdentity(first);
      const create = (backbone: Backbone, cacheIdentity: string) =>
        createOnnxFeatureComputer({ backbone, cacheIdentity, cacheDirectory: directory });
      const before = conversions.count;
      const converted = await create(first, identity);
      await converted.close();
      expect(conversions.count).toBe(before + 1);
      expect(converted.graph.reused).toBe(false);
      expect(readdirSync(directory)).toHaveLength(1);

      const reused = await create(first, identity);
      await reused.close();
      expect(conversions.count).toBe(before + 1);
      expect(reused.graph).toEqual({ ...converted.graph, reused: true });

      const otherIdentity = await backboneCacheIdentity(other);
      expect(otherIdentity).not.toBe(identity);
      const otherWeights = await create(other, otherIdentity);
      await otherWeights.close();
      expect(conversions.count).toBe(before + 2);
      expect(otherWeights.graph.reused).toBe(false);
      expect(otherWeights.graph.path).not.toBe(converted.graph.path);
      // No temporary files left behind by the atomic writes.
      expect(readdirSync(directory).sort()).toEqual(
        [converted.graph.path, otherWeights.graph.path]
          .map((path) => path?.split('/').pop())
          .sort(),
      );
    } finally {
      first.dispose();
      other.dispose();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('createOnnxFeatureComputer in extractFeatures', () => {
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
      const tensors = tf.memory().numTensors;
      const onnx = await extractFeatures({
        backbone,
        data,
        batchSize: 4,
        store,
        featureComputer: computer,
      });
      expect(onnx.stats).toMatchObject({ engine: 'onnxruntime', backboneImages: 10 });
      const tfjs = await extractFeatures({ backbone, data, batchSize: 4, store });
      expect(tfjs.stats).toMatchObject({ engine: 'tfjs', cacheHits: 0, backboneImages: 10 });
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
      // The tfjs run made its folded network once; nothing else stays.
      expect(tf.memory().numTensors - tensors).toBeLessThanOrEqual(
        backbone.inferenceModel ? 64 : 0,
      );
    } finally {
      await computer.close();
      backbone.dispose();
    }
  });

  it('rejects batches after close, and names onnxruntime-node when it is missing', async () => {
    const backbone = tinyBackbone({ seed: 5 });
    try {
      const computer = await createOnnxFeatureComputer({ backbone, cacheDirectory });
      await computer.close();
      await expect(
        computer.computeFeatures({ pixels: new Float32Array(16 * 16 * 3), shape: [1, 16, 16, 3] }),
      ).rejects.toThrow(/closed/);
      const missing = Object.assign(new Error("Cannot find package 'onnxruntime-node'"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
      await expect(
        createOnnxFeatureComputer({ backbone, importer: () => Promise.reject(missing) }),
      ).rejects.toSatisfy(
        (error) =>
          GraftError.isInstance(error) &&
          error.code === 'BACKEND_UNAVAILABLE' &&
          /onnxruntime-node is not installed.*pnpm add onnxruntime-node/.test(error.message),
      );
      await expect(createOnnxFeatureComputer({ backbone, intraOpNumThreads: 0 })).rejects.toThrow(
        /intraOpNumThreads/,
      );
    } finally {
      backbone.dispose();
    }
  });
});
