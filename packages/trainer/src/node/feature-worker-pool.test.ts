import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { OutOfMemoryError } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { backboneCacheIdentity } from '../features/backbone-cache-identity.js';
import { extractFeatures } from '../features/extract-features.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { createFeatureWorkerPool, type FeatureWorkerPool } from './feature-worker-pool.js';
import { mobileNetBackbone, type TestWorkerData } from './feature-worker-pool.test-worker.js';

const workerModule = new URL('./feature-worker-pool.test-worker.ts', import.meta.url);
const pools: FeatureWorkerPool[] = [];

async function pool(kind: TestWorkerData['kind'], workers = 2): Promise<FeatureWorkerPool> {
  const created = await createFeatureWorkerPool({ workerModule, workerData: { kind }, workers });
  pools.push(created);
  return created;
}

afterAll(async () => {
  await Promise.all(pools.map((each) => each.close()));
});

describe('createFeatureWorkerPool', () => {
  it('gives the features of the in-process backbone, in order, with uneven workers', async () => {
    await tf.setBackend('cpu');
    const backbone = tinyBackbone({ seed: 3 });
    const data = new ColourDataset({ count: 30, numClasses: 3 });
    const reference = await extractFeatures({ backbone, data, batchSize: 4 });
    const workers = await pool('uneven');
    expect(workers).toMatchObject({ workers: 2, concurrency: 4, featureDim: 8 });
    // Record the order in which batches come back.
    const finished: number[] = [];
    let submitted = 0;
    const recording = {
      ...workers,
      featureDim: workers.featureDim,
      concurrency: workers.concurrency,
      computeFeatures: (...args: Parameters<FeatureWorkerPool['computeFeatures']>) => {
        const id = submitted++;
        return workers.computeFeatures(...args).then((values) => {
          finished.push(id);
          return values;
        });
      },
    };
    const before = tf.memory().numTensors;
    const { table, stats } = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: recording,
    });
    expect(tf.memory().numTensors).toBe(before);
    // Batches whose first image is red take 400 ms more: they come back after later ones.
    expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
    expect(table.features).toEqual(reference.table.features);
    expect(table.labels).toEqual(reference.table.labels);
    expect(stats).toEqual(reference.stats);
    backbone.dispose();
  });

  it('trains to the same head as in-process extraction', async () => {
    await tf.setBackend('cpu');
    const workers = await pool('tiny');
    const backbone = tinyBackbone({ seed: 3 });
    const run = async (featureComputer?: FeatureWorkerPool) => {
      const head = denseHead({ featureDim: 8, numClasses: 3 });
      const result = await train({
        backbone,
        head,
        trainData: new ColourDataset({ count: 24, numClasses: 3 }),
        validationData: new ColourDataset({ count: 12, numClasses: 3, seed: 1 }),
        mode: 'feature-extraction',
        epochs: 3,
        batchSize: 8,
        seed: 1,
        ...(featureComputer ? { featureComputer } : {}),
      });
      head.dispose();
      return result;
    };
    const inProcess = await run();
    const pooled = await run(workers);
    expect(pooled.extraction).toEqual(inProcess.extraction);
    // Same losses and accuracies each epoch (timings differ).
    const metrics = (history: typeof inProcess.history) =>
      history.map(({ loss, accuracy, val_loss, val_accuracy }) => ({
        loss,
        accuracy,
        val_loss,
        val_accuracy,
      }));
    expect(metrics(pooled.history)).toEqual(metrics(inProcess.history));
    expect(pooled.history).toHaveLength(3);
    backbone.dispose();
  });

  it('names the worker whose batch failed', async () => {
    const workers = await pool('failing', 1);
    const batch = () => ({
      pixels: new Float32Array(2 * 16 * 16 * 3),
      shape: [2, 16, 16, 3] as const,
    });
    await expect(workers.computeFeatures(batch())).resolves.toHaveLength(16);
    await expect(workers.computeFeatures(batch())).rejects.toThrow(
      /Feature worker 0 failed during a batch of 2 images at 16x16: kernel exploded/,
    );
  });

  it('fails every batch once a worker dies', async () => {
    const workers = await pool('exits', 1);
    const batch = () => ({ pixels: new Float32Array(16 * 16 * 3), shape: [1, 16, 16, 3] as const });
    await expect(workers.computeFeatures(batch())).rejects.toThrow(
      /Feature worker 0 exited \(code 3\)/,
    );
    await expect(workers.computeFeatures(batch())).rejects.toThrow(/Feature worker 0 exited/);
  });

  it('turns a wasm heap abort into OutOfMemoryError', async () => {
    const workers = await pool('oom', 1);
    const error = await workers
      .computeFeatures({ pixels: new Float32Array(16 * 16 * 3), shape: [1, 16, 16, 3] })
      .catch((caught: unknown) => caught);
    expect(OutOfMemoryError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/worker 0/);
  });

  it('rejects when a worker cannot build its backbone, on abort and after close', async () => {
    await expect(pool('broken')).rejects.toThrow(
      /Feature worker [01] failed during building its backbone: no weights at \/nowhere/,
    );
    const workers = await pool('tiny', 1);
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(
      workers.computeFeatures(
        { pixels: new Float32Array(16 * 16 * 3), shape: [1, 16, 16, 3] },
        { signal: controller.signal },
      ),
    ).rejects.toThrow('cancelled');
    await workers.close();
    await expect(
      workers.computeFeatures({ pixels: new Float32Array(16 * 16 * 3), shape: [1, 16, 16, 3] }),
    ).rejects.toThrow(/closed/);
  });

  it('refuses workers that built other weights under one weightsId', async () => {
    await expect(pool('one-label')).rejects.toThrow(
      /Feature worker 1 built tiny:custom \(8 features, content [0-9a-f]{16}\), worker 0 built tiny:custom \(8, content [0-9a-f]{16}\)/,
    );
  });

  it('matches in-process MobileNetV2 0.35 features on wasm (real weights)', async () => {
    await tf.setBackend('wasm');
    const backbone = await mobileNetBackbone();
    const data = new ColourDataset({ count: 10, size: [224, 224], numClasses: 2 });
    const reference = await extractFeatures({ backbone, data, batchSize: 4 });
    const workers = await pool('mobilenet');
    expect(workers.weightsId).toBe(backbone.weightsId);
    // Each worker loaded the weights itself; all agree with this thread's on the content.
    expect(workers.cacheIdentity).toBe(await backboneCacheIdentity(backbone));
    const before = tf.memory().numTensors;
    const { table } = await extractFeatures({
      backbone,
      data,
      batchSize: 4,
      featureComputer: workers,
    });
    expect(tf.memory().numTensors).toBe(before);
    let maxAbsDiff = 0;
    let maxAbs = 0;
    for (const [index, value] of table.features.entries()) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(value - (reference.table.features[index] ?? 0)));
      maxAbs = Math.max(maxAbs, Math.abs(value));
    }
    console.log(
      `MobileNetV2 0.35 pool vs in-process: max abs diff ${maxAbsDiff} (max |feature| ${maxAbs})`,
    );
    expect(maxAbs).toBeGreaterThan(0.1);
    expect(maxAbsDiff).toBeLessThan(1e-5);
    expect(workers.workerTensors.every((count) => count > 0)).toBe(true);
    backbone.dispose();
  });
});
