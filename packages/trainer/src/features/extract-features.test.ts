import '@tensorflow/tfjs-backend-cpu';
import {
  type BatchOptions,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  normalizePixels,
  type PixelBatch,
  type PixelImageBatch,
} from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset } from '../testing/fixtures.js';
import { backboneCacheIdentity } from './backbone-cache-identity.js';
import { extractFeatures } from './extract-features.js';
import type { FeatureComputer, PreprocessedBatch } from './feature-computer.js';
import { MemoryFeatureStore } from './feature-store.js';
import { sha256Hex } from './sha256.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const backbone = tinyBackbone({ seed: 3 });

/**
 * Runs the same backbone, but finishes batches after uneven delays (the first of every three is
 * slowest), and records in-flight counts and completion order.
 */
function unevenComputer(concurrency: number): FeatureComputer & {
  completed: number[];
  maxInFlight: number;
} {
  let inFlight = 0;
  let submitted = 0;
  const computer = {
    featureDim: backbone.featureDim,
    weightsId: backbone.weightsId,
    concurrency,
    completed: [] as number[],
    maxInFlight: 0,
    async computeFeatures(batch: PreprocessedBatch) {
      const id = submitted++;
      inFlight++;
      computer.maxInFlight = Math.max(computer.maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, id % 3 === 0 ? 60 : 5));
      const output = tf.tidy(
        () => backbone.model.predict(tf.tensor4d(batch.pixels, [...batch.shape])) as tf.Tensor,
      );
      const values = (await output.data()) as Float32Array;
      output.dispose();
      inFlight--;
      computer.completed.push(id);
      return values;
    },
  };
  return computer;
}

describe('extractFeatures with a featureComputer', () => {
  it('keeps dataset order, labels and sources when batches finish out of order', async () => {
    const data = new ColourDataset({ count: 22, numClasses: 3 });
    const reference = await extractFeatures({ backbone, data, batchSize: 4 });
    const computer = unevenComputer(3);
    const progress: number[] = [];
    const { table, stats } = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: computer,
      onProgress: (done) => progress.push(done),
    });
    // Batch 3 (slow) finished after batches 4 and 5, which were submitted later.
    expect(computer.completed).not.toEqual([...computer.completed].sort((a, b) => a - b));
    expect(computer.maxInFlight).toBe(3);
    expect(table.features).toEqual(reference.table.features);
    expect(table.labels).toEqual(reference.table.labels);
    expect(table.targets).toEqual(reference.table.targets);
    expect(table.sources).toEqual(reference.table.sources);
    expect(stats).toEqual(reference.stats);
    expect(stats).toMatchObject({ images: 22, backboneCalls: 6, backboneImages: 22 });
    expect(progress).toEqual([4, 8, 12, 16, 20, 22]);
  });

  it('reports finished batches without waiting for the in-flight limit', async () => {
    const data = new ColourDataset({ count: 16, numClasses: 3 });
    const events: string[] = [];
    let submitted = 0;
    const instant: FeatureComputer = {
      featureDim: backbone.featureDim,
      concurrency: 4,
      computeFeatures: async (batch) => {
        events.push(`submit ${submitted++}`);
        return new Float32Array(batch.shape[0] * backbone.featureDim);
      },
    };
    await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: instant,
      onProgress: (done) => events.push(`progress ${done}`),
    });
    // Batch 0 is committed once batch 1 is submitted, not after all 4 slots fill.
    expect(events.indexOf('progress 4')).toBeLessThan(events.indexOf('submit 2'));
    expect(events.filter((event) => event.startsWith('progress'))).toEqual([
      'progress 4',
      'progress 8',
      'progress 12',
      'progress 16',
    ]);
  });

  it('does not send cached batches to the computer', async () => {
    const data = new ColourDataset({ count: 12, numClasses: 3 });
    const store = new MemoryFeatureStore();
    const computer = unevenComputer(2);
    const first = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store,
      featureComputer: computer,
    });
    expect(first.stats).toMatchObject({ backboneCalls: 3, cacheHits: 0 });
    const second = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store,
      featureComputer: computer,
    });
    expect(second.stats).toMatchObject({ backboneCalls: 0, cacheHits: 12 });
    expect(computer.completed).toHaveLength(3);
    expect(second.table.features).toEqual(first.table.features);
  });

  it('leaves no tensors behind in this thread', async () => {
    const data = new ColourDataset({ count: 10, numClasses: 3 });
    await expectNoTensorLeaks(async () => {
      await extractFeatures({ backbone, data, batchSize: 4, featureComputer: unevenComputer(2) });
    });
  });

  it('stops on abort and on a failed batch', async () => {
    const data = new ColourDataset({ count: 16, numClasses: 3 });
    const controller = new AbortController();
    const aborted = extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: unevenComputer(2),
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('stop')),
    });
    await expect(aborted).rejects.toThrow('stop');
    const failing: FeatureComputer = {
      featureDim: backbone.featureDim,
      concurrency: 2,
      computeFeatures: async () => {
        throw new Error('worker 1 failed');
      },
    };
    const before = tf.memory().numTensors;
    await expect(
      extractFeatures({ backbone, data, batchSize: 4, featureComputer: failing }),
    ).rejects.toThrow('worker 1 failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a computer running another network', async () => {
    const data = new ColourDataset({ count: 4, numClasses: 3 });
    const wrong = { ...unevenComputer(1), featureDim: 5 };
    await expect(
      extractFeatures({ backbone, data, batchSize: 4, featureComputer: wrong }),
    ).rejects.toSatisfy(
      (error) =>
        InvalidArgumentError.isInstance(error) && error.argument === 'featureComputer.featureDim',
    );
    const otherWeights = { ...unevenComputer(1), weightsId: 'other' };
    await expect(
      extractFeatures({ backbone, data, batchSize: 4, featureComputer: otherWeights }),
    ).rejects.toThrow(/weightsId/);
    // Same label, other content (e.g. a worker that loaded other weights under the same name).
    const otherContent = { ...unevenComputer(1), cacheIdentity: 'f'.repeat(64) };
    await expect(
      extractFeatures({ backbone, data, batchSize: 4, featureComputer: otherContent }),
    ).rejects.toSatisfy(
      (error) =>
        InvalidArgumentError.isInstance(error) &&
        error.argument === 'featureComputer.cacheIdentity',
    );
    const sameContent = {
      ...unevenComputer(1),
      cacheIdentity: await backboneCacheIdentity(backbone),
    };
    const { stats } = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: sameContent,
    });
    expect(stats.backboneImages).toBe(4);
  });
});

describe('extractFeatures records the engine', () => {
  /** The same backbone as another engine would run it: its features differ by rounding. */
  function otherEngine(): FeatureComputer & { images: number } {
    const computer = {
      featureDim: backbone.featureDim,
      concurrency: 1,
      engine: { name: 'onnxruntime', detail: 'test double' },
      images: 0,
      async computeFeatures(batch: PreprocessedBatch) {
        computer.images += batch.shape[0];
        const output = tf.tidy(() =>
          tf.add(
            backbone.model.predict(tf.tensor4d(batch.pixels, [...batch.shape])) as tf.Tensor,
            1e-3,
          ),
        );
        const values = (await output.data()) as Float32Array;
        output.dispose();
        return values;
      },
    };
    return computer;
  }

  it('keeps the keys of tfjs features as before engines existed', async () => {
    const data = new ColourDataset({ count: 4, numClasses: 2 });
    const store = new MemoryFeatureStore();
    const { stats } = await extractFeatures({ backbone, data, batchSize: 4, store });
    expect(stats.engine).toBe('tfjs');
    const prefix = await sha256Hex(`backbone=${await backboneCacheIdentity(backbone)}\nclean`);
    // ColourDataset's key of image 0 (seed 0, 4 images).
    expect(await store.get(`${prefix}|colour-0-4-0`)).toHaveLength(backbone.featureDim);
  });

  it("serves neither engine the other engine's features", async () => {
    const data = new ColourDataset({ count: 8, numClasses: 2 });
    const store = new MemoryFeatureStore();
    const tfjs = await extractFeatures({ backbone, data, batchSize: 4, store });
    const engine = otherEngine();
    const onnx = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store,
      featureComputer: engine,
    });
    // Computed anew although the tfjs features of every image are in the store.
    expect(onnx.stats).toMatchObject({ engine: 'onnxruntime', cacheHits: 0, backboneImages: 8 });
    expect(engine.images).toBe(8);
    expect(onnx.table.features).not.toEqual(tfjs.table.features);
    expect(store.size).toBe(16);
    // Each engine's second run is served its own features from the store.
    const onnxAgain = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      store,
      featureComputer: otherEngine(),
    });
    expect(onnxAgain.stats).toMatchObject({ cacheHits: 8, backboneImages: 0 });
    expect(onnxAgain.table.features).toEqual(onnx.table.features);
    const tfjsAgain = await extractFeatures({ backbone, data, batchSize: 4, store });
    expect(tfjsAgain.stats).toMatchObject({ engine: 'tfjs', cacheHits: 8, backboneImages: 0 });
    expect(tfjsAgain.table.features).toEqual(tfjs.table.features);
  });
});

/** Byte images that stream both as tensors and as bytes (`pixelBatches`), as image files do. */
class ByteDataset implements ImageDataset {
  readonly classNames = ['a', 'b', 'c'];
  readonly size: number;
  readonly bytes: Uint8Array;
  pixelBatchesServed = 0;
  constructor(
    count: number,
    private readonly withKeys: boolean,
  ) {
    this.size = count;
    // Every image different (a multiplicative hash of the position), so no two share a key.
    this.bytes = new Uint8Array(count * 16 * 16 * 3).map(
      (_, index) => Math.imul(index + 1, 2654435761) >>> 24,
    );
  }
  labels(): readonly number[] {
    return Array.from({ length: this.size }, (_, index) => index % 3);
  }
  private rows(batchSize: number, start: number) {
    const rows = Array.from(
      { length: Math.min(batchSize, this.size - start) },
      (_, i) => start + i,
    );
    const stride = 16 * 16 * 3;
    const pixels = new Uint8Array(rows.length * stride);
    rows.forEach((row, index) => {
      pixels.set(this.bytes.subarray(row * stride, (row + 1) * stride), index * stride);
    });
    return {
      rows,
      pixels,
      shape: [rows.length, 16, 16, 3] as [number, number, number, number],
      ...(this.withKeys ? { keys: rows.map((row) => `byte-${row}`) } : {}),
      sources: rows.map((row) => `memory://${row}`),
    };
  }
  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    for (let start = 0; start < this.size; start += options.batchSize) {
      const { rows, pixels, shape, ...rest } = this.rows(options.batchSize, start);
      yield {
        images: tf.tensor4d(Float32Array.from(pixels), shape),
        labels: tf.tensor1d(
          rows.map((row) => row % 3),
          'int32',
        ),
        ...rest,
      };
    }
  }
  async *pixelBatches(options: BatchOptions): AsyncIterable<PixelImageBatch> {
    for (let start = 0; start < this.size; start += options.batchSize) {
      const { rows, ...batch } = this.rows(options.batchSize, start);
      this.pixelBatchesServed++;
      yield { ...batch, labels: Int32Array.from(rows, (row) => row % 3) };
    }
  }
}

/** A computer running the backbone here, on float input or on bytes it normalizes itself. */
function byteComputer(): FeatureComputer & { byteBatches: number; floatBatches: number } {
  const computer = {
    featureDim: backbone.featureDim,
    weightsId: backbone.weightsId,
    concurrency: 2,
    byteBatches: 0,
    floatBatches: 0,
    async computeFeatures(batch: PreprocessedBatch) {
      computer.floatBatches++;
      const output = tf.tidy(
        () => backbone.model.predict(tf.tensor4d(batch.pixels, [...batch.shape])) as tf.Tensor,
      );
      const values = (await output.data()) as Float32Array;
      output.dispose();
      return values;
    },
    async computePixelFeatures(batch: PixelBatch) {
      computer.byteBatches++;
      computer.floatBatches--;
      return computer.computeFeatures({
        pixels: normalizePixels(batch.pixels, backbone.preprocessing),
        shape: batch.shape,
      });
    },
  };
  return computer;
}

describe('extractFeatures on byte batches', () => {
  it('sends clean batches as bytes and builds the table the tensor path builds', async () => {
    for (const withKeys of [true, false]) {
      const data = new ByteDataset(10, withKeys);
      const reference = await extractFeatures({ backbone, data, batchSize: 4 });
      const computer = byteComputer();
      const store = new MemoryFeatureStore();
      const result = await extractFeatures({
        backbone,
        data,
        batchSize: 4,
        featureComputer: computer,
        store,
      });
      expect(computer).toMatchObject({ byteBatches: 3, floatBatches: 0 });
      expect(data.pixelBatchesServed).toBe(3);
      await expectNoTensorLeaks(() =>
        extractFeatures({ backbone, data, batchSize: 4, featureComputer: byteComputer() }),
      );
      expect(Array.from(result.table.features)).toEqual(Array.from(reference.table.features));
      expect(result.table.labels).toEqual(reference.table.labels);
      expect(result.table.targets).toEqual(reference.table.targets);
      expect(result.table.sources).toEqual(reference.table.sources);
      // Keys as the tensor path names them (pixel hashes without dataset keys): a store filled
      // by one path serves the other.
      const tensorPath = await extractFeatures({
        backbone,
        data: { ...data, labels: () => data.labels(), batches: (o) => data.batches(o) },
        batchSize: 4,
        featureComputer: byteComputer(),
        store,
      });
      expect(tensorPath.stats.cacheHits).toBe(10);
    }
  });

  it('sends only the rows the store misses, and augmented passes as normalized floats', async () => {
    const data = new ByteDataset(6, true);
    const store = new MemoryFeatureStore();
    const full = await extractFeatures({ backbone, data, batchSize: 4, store });
    const computer = byteComputer();
    const partial = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: computer,
      store: {
        get: async (key) => (key.endsWith('byte-1') ? undefined : store.get(key)),
        set: async () => undefined,
      },
    });
    expect(partial.stats).toMatchObject({ cacheHits: 5, backboneImages: 1 });
    expect(computer.byteBatches).toBe(1);
    expect(Array.from(partial.table.features)).toEqual(Array.from(full.table.features));
    const augmenting = byteComputer();
    await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: augmenting,
      augmentation: {
        name: 'identity',
        apply: (batch) => ({
          ...batch,
          images: tf.clone(batch.images),
          labels: tf.clone(batch.labels),
        }),
        toConfig: () => ({ name: 'identity' }),
      },
    });
    expect(augmenting).toMatchObject({ byteBatches: 0, floatBatches: 2 });
  });
});
