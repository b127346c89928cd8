import '@tensorflow/tfjs-backend-cpu';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backbone, GraftError, InvalidArgumentError, normalizePixels } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOnnxFeatureComputer } from './onnx-feature-computer.js';
import { startSessionThread } from './open-session-thread.js';

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

// Stand-ins for backboneCacheIdentity (in @graft/trainer) of two different weights.
const identityOne = 'a1'.repeat(32);
const identityTwo = 'b2'.repeat(32);
let directory = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'graft-onnx-graph-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('createOnnxFeatureComputer', () => {
  it('in a worker thread, computes the same features and closes', async () => {
    const backbone = tinyBackbone({ seed: 6 });
    const here = await createOnnxFeatureComputer({ backbone, cacheDirectory: directory });
    const there = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      inWorkerThread: true,
    });
    try {
      expect(there.engine.detail).toMatch(/, in a worker thread$/);
      const pixels = new Float32Array(3 * 16 * 16 * 3).map((_, index) => Math.cos(index));
      const batch = { pixels, shape: [3, 16, 16, 3] as [number, number, number, number] };
      const expected = await here.computeFeatures({ ...batch, pixels: pixels.slice() });
      const [first, second] = await Promise.all([
        there.computeFeatures({ ...batch, pixels: pixels.slice() }),
        there.computeFeatures({ ...batch, pixels: pixels.slice() }),
      ]);
      expect(Array.from(first)).toEqual(Array.from(expected));
      expect(Array.from(second)).toEqual(Array.from(expected));
    } finally {
      await Promise.all([here.close(), there.close()]);
      backbone.dispose();
    }
    await expect(
      there.computeFeatures({
        pixels: new Float32Array(16 * 16 * 3),
        shape: [1, 16, 16, 3],
      }),
    ).rejects.toThrow(/closed/);
  });

  it('opens its session in a thread started ahead, and owns that thread', async () => {
    const backbone = tinyBackbone({ seed: 7 });
    const here = await createOnnxFeatureComputer({ backbone, cacheDirectory: directory });
    const started = startSessionThread();
    const there = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      sessionThread: started,
    });
    try {
      expect(there.engine.detail).toMatch(/, in a worker thread$/);
      const pixels = new Float32Array(2 * 16 * 16 * 3).map((_, index) => Math.sin(index));
      const batch = { pixels, shape: [2, 16, 16, 3] as [number, number, number, number] };
      const expected = await here.computeFeatures({ ...batch, pixels: pixels.slice() });
      const actual = await there.computeFeatures({ ...batch, pixels: pixels.slice() });
      expect(Array.from(actual)).toEqual(Array.from(expected));
      // The computer took the thread: nobody else opens a session in it.
      await expect(started.open(new Uint8Array(1), {})).rejects.toThrow(/already opened/);
    } finally {
      await Promise.all([here.close(), there.close()]);
    }
    // A call that fails closes the thread it was given.
    const failing = startSessionThread();
    try {
      await expect(
        createOnnxFeatureComputer({ backbone, cacheIdentity: 'not hex', sessionThread: failing }),
      ).rejects.toSatisfy(
        (error) => InvalidArgumentError.isInstance(error) && error.argument === 'cacheIdentity',
      );
      await expect(failing.open(new Uint8Array(1), {})).rejects.toThrow(/already opened or closed/);
    } finally {
      backbone.dispose();
    }
  });

  it('with allowSpinning false, says so and computes the same features', async () => {
    const backbone = tinyBackbone({ seed: 4 });
    const spinning = await createOnnxFeatureComputer({ backbone, cacheDirectory: directory });
    const sleeping = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      allowSpinning: false,
    });
    try {
      expect(sleeping.engine.detail).toMatch(/, no spinning$/);
      expect(spinning.engine.detail).not.toMatch(/spinning/);
      const pixels = new Float32Array(4 * 16 * 16 * 3).map((_, index) => Math.sin(index));
      const batch = { pixels, shape: [4, 16, 16, 3] as [number, number, number, number] };
      const [expected, actual] = await Promise.all([
        spinning.computeFeatures({ ...batch, pixels: pixels.slice() }),
        sleeping.computeFeatures({ ...batch, pixels: pixels.slice() }),
      ]);
      expect(Array.from(actual)).toEqual(Array.from(expected));
    } finally {
      await Promise.all([spinning.close(), sleeping.close()]);
      backbone.dispose();
    }
  });

  it('computes the features tfjs computes, in batch order, leaving no tensors', async () => {
    const backbone = tinyBackbone({ seed: 3 });
    const computer = await createOnnxFeatureComputer({ backbone, cacheDirectory: directory });
    try {
      expect(computer.engine.name).toBe('onnxruntime');
      expect(computer.engine.detail).toMatch(
        /^onnxruntime-node 1\.\d+\.\d+, cpu provider, \d+ threads?$/,
      );
      expect(computer.graph.path).toBeUndefined();
      const input = tf.randomUniform([5, 16, 16, 3], -1, 1, 'float32', 7);
      const expected = tf.tidy(() => backbone.model.predict(input) as tf.Tensor);
      const expectedValues = (await expected.data()) as Float32Array;
      const pixels = (await input.data()) as Float32Array;
      tf.dispose([input, expected]);
      const before = tf.memory().numTensors;
      // Two batches at once: they run one after the other and each gets its own rows.
      const [first, second] = await Promise.all([
        computer.computeFeatures({ pixels: pixels.slice(), shape: [5, 16, 16, 3] }),
        computer.computeFeatures({
          pixels: pixels.slice(2 * 16 * 16 * 3),
          shape: [3, 16, 16, 3],
        }),
      ]);
      expect(tf.memory().numTensors).toBe(before);
      expect(first).toHaveLength(5 * backbone.featureDim);
      for (let index = 0; index < first.length; index++) {
        expect(Math.abs((first[index] as number) - (expectedValues[index] as number))).toBeLessThan(
          1e-5,
        );
      }
      expect(Array.from(second)).toEqual(Array.from(first.slice(2 * backbone.featureDim)));
    } finally {
      await computer.close();
      backbone.dispose();
    }
  });

  it('caches the graph on disk: reused for the same identity, converted for another', async () => {
    const first = tinyBackbone({ seed: 1 });
    const other = tinyBackbone({ seed: 2 });
    const create = async (backbone: Backbone, cacheIdentity: string) => {
      const computer = await createOnnxFeatureComputer({
        backbone,
        cacheIdentity,
        cacheDirectory: directory,
      });
      await computer.close();
      return computer;
    };
    try {
      const before = conversions.count;
      const converted = await create(first, identityOne);
      expect(conversions.count).toBe(before + 1);
      expect(converted.graph.reused).toBe(false);
      expect(converted.cacheIdentity).toBe(identityOne);

      const reused = await create(first, identityOne);
      expect(conversions.count).toBe(before + 1);
      expect(reused.graph).toEqual({ ...converted.graph, reused: true });

      const otherWeights = await create(other, identityTwo);
      expect(conversions.count).toBe(before + 2);
      expect(otherWeights.graph.reused).toBe(false);
      expect(otherWeights.graph.path).not.toBe(converted.graph.path);
      // Written atomically: no temporary file is left beside the two graphs.
      expect(readdirSync(directory).sort()).toEqual(
        [converted.graph.path, otherWeights.graph.path]
          .map((path) => path?.split('/').pop())
          .sort(),
      );
    } finally {
      first.dispose();
      other.dispose();
    }
  });

  it('runs a batch microBatch images at a time, here and in a thread, with the rows of one inference', async () => {
    const backbone = tinyBackbone({ seed: 7 });
    const whole = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      microBatch: 32,
    });
    const parts = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      microBatch: 2,
    });
    const threaded = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      microBatch: 3,
      inWorkerThread: true,
    });
    try {
      // 7 images: micro-batches of 2 and of 3 both end with a shorter one.
      const pixels = new Float32Array(7 * 16 * 16 * 3).map((_, index) => Math.sin(index / 7));
      const batch = { pixels, shape: [7, 16, 16, 3] as [number, number, number, number] };
      const expected = await whole.computeFeatures({ ...batch, pixels: pixels.slice() });
      expect(expected).toHaveLength(7 * backbone.featureDim);
      for (const computer of [parts, threaded]) {
        const rows = await computer.computeFeatures({ ...batch, pixels: pixels.slice() });
        expect(rows).toHaveLength(expected.length);
        for (const [index, value] of rows.entries()) {
          expect(value).toBeCloseTo(expected[index] as number, 5);
        }
      }
    } finally {
      await Promise.all([whole.close(), parts.close(), threaded.close()]);
      backbone.dispose();
    }
    await expect(
      createOnnxFeatureComputer({ backbone, cacheDirectory: directory, microBatch: 0 }),
    ).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error) && error.argument === 'microBatch',
    );
  });

  it('computes the features of RGB bytes as of their normalizePixels, here and in a thread', async () => {
    const backbone = tinyBackbone({ seed: 8 });
    const here = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      microBatch: 2,
    });
    const there = await createOnnxFeatureComputer({
      backbone,
      cacheDirectory: directory,
      microBatch: 3,
      inWorkerThread: true,
    });
    try {
      // 5 images of every byte value: micro-batches of 2 and 3 both end with a shorter one.
      const bytes = new Uint8Array(5 * 16 * 16 * 3).map((_, index) => (index * 37) % 256);
      const shape = [5, 16, 16, 3] as [number, number, number, number];
      for (const computer of [here, there]) {
        const expected = await computer.computeFeatures({
          pixels: normalizePixels(bytes, backbone.preprocessing),
          shape,
        });
        const sent = bytes.slice();
        const rows = await computer.computePixelFeatures({ pixels: sent, shape });
        // The same network input, so the same floats, bit for bit.
        expect(Array.from(rows)).toEqual(Array.from(expected));
        if (computer === there) expect(sent.byteLength).toBe(0);
      }
    } finally {
      await Promise.all([here.close(), there.close()]);
      backbone.dispose();
    }
  });

  it('rejects batches after close, a missing onnxruntime-node and bad options', async () => {
    const backbone = tinyBackbone({ seed: 5 });
    try {
      const computer = await createOnnxFeatureComputer({ backbone, cacheDirectory: directory });
      await computer.close();
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
      await expect(createOnnxFeatureComputer({ backbone, intraOpNumThreads: 0 })).rejects.toSatisfy(
        (error) => InvalidArgumentError.isInstance(error) && error.argument === 'intraOpNumThreads',
      );
      await expect(
        createOnnxFeatureComputer({
          backbone,
          cacheIdentity: 'not hex',
          cacheDirectory: directory,
        }),
      ).rejects.toSatisfy(
        (error) => InvalidArgumentError.isInstance(error) && error.argument === 'cacheIdentity',
      );
    } finally {
      backbone.dispose();
    }
  });
});
