import '@tensorflow/tfjs-backend-cpu';
import { type Backbone, type Head, OutOfMemoryError } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainerContext, type TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { type TrainOptions, train } from '../training/train.js';
import { keyedWeights } from '../training/trainable-variables.js';
import { createTrainingWorkerPool, type TrainingWorkerPool } from './training-worker-pool.js';
import type { TrainingTestWorkerData } from './training-worker-pool.test-worker.js';

const workerModule = new URL('./training-worker-pool.test-worker.ts', import.meta.url);
const pools: TrainingWorkerPool[] = [];

async function pool(
  kind: TrainingTestWorkerData['kind'],
  workers: number,
): Promise<TrainingWorkerPool> {
  const created = await createTrainingWorkerPool({ workerModule, workerData: { kind }, workers });
  pools.push(created);
  return created;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await Promise.all(pools.map((each) => each.close()));
});

/** Fine-tunes a fresh tiny backbone and head; returns every weight's values and the history. */
async function fineTune(
  options: Partial<TrainOptions> & { workers?: TrainingWorkerPool },
): Promise<{ weights: Map<string, Float32Array>; result: Awaited<ReturnType<typeof train>> }> {
  const backbone: Backbone = tinyBackbone({ seed: 3 });
  const head: Head = denseHead({ featureDim: 8, numClasses: 3, seed: 2 });
  const optimizer = sgd({ learningRate: 0.05, momentum: 0.9 });
  try {
    const result = await train({
      backbone,
      head,
      trainData: new ColourDataset({ count: 22, numClasses: 3 }),
      validationData: new ColourDataset({ count: 9, numClasses: 3, seed: 1 }),
      mode: 'fine-tune',
      epochs: 2,
      batchSize: 8,
      // Batches of 8, 8, 6 rows as micro-batches of 3: 3, 3 and 2 per batch, uneven across workers.
      microBatchSize: 3,
      batchNorm: 'train',
      optimizer,
      seed: 5,
      ...options,
      ...(options.workers ? { gradientComputer: options.workers } : {}),
    });
    const weights = new Map<string, Float32Array>();
    for (const { key, weight } of keyedWeights(backbone, head)) {
      weights.set(key, (await weight.read().data()) as Float32Array);
    }
    return { weights, result };
  } finally {
    optimizer.dispose();
    head.dispose();
    backbone.dispose();
  }
}

function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  expect([...a.keys()]).toEqual([...b.keys()]);
  let max = 0;
  for (const [key, values] of a) {
    const other = b.get(key) as Float32Array;
    expect(other).toHaveLength(values.length);
    for (const [index, value] of values.entries()) {
      max = Math.max(max, Math.abs(value - (other[index] as number)));
    }
  }
  return max;
}

function lossesOf(result: Awaited<ReturnType<typeof train>>): number[] {
  return result.history.flatMap((logs) => [
    logs.loss as number,
    logs.accuracy as number,
    logs.val_loss as number,
  ]);
}

describe('createTrainingWorkerPool', () => {
  it('fine-tunes to the weights of one thread, BatchNorm statistics included', async () => {
    const inProcess = await fineTune({});
    const workers = await pool('tiny', 2);
    const before = tf.memory().numTensors;
    const pooled = await fineTune({ workers });
    expect(tf.memory().numTensors).toBe(before);
    const difference = maxDifference(pooled.weights, inProcess.weights);
    expect(difference).toBeLessThan(1e-5);
    // The moving statistics changed (BatchNorm trains): the combination was exercised.
    const initial = tinyBackbone({ seed: 3 });
    const movingMean = initial.model.weights.findIndex((weight) =>
      weight.name.includes('moving_mean'),
    );
    const initialMean = await initial.model.weights[movingMean]?.read().data();
    initial.dispose();
    const trainedMean = pooled.weights.get(`backbone/${movingMean}`) as Float32Array;
    expect(
      Math.max(...trainedMean.map((value, index) => Math.abs(value - (initialMean?.[index] ?? 0)))),
    ).toBeGreaterThan(1e-3);
    const pooledLosses = lossesOf(pooled.result);
    for (const [index, value] of lossesOf(inProcess.result).entries()) {
      expect(pooledLosses[index]).toBeCloseTo(value, 5);
    }
    expect(pooled.result.step).toBe(inProcess.result.step);
    expect(workers.lastStepSeconds?.compute).toBeGreaterThan(0);
    // Workers free every step's tensors: a second run leaves them where the first did.
    const workerTensors = [...workers.workerTensors];
    await fineTune({ workers, epochs: 1 });
    expect(workers.workerTensors).toEqual(workerTensors);
  });

  it('matches one thread with three workers, a frozen prefix, frozen BatchNorm and clipping', async () => {
    const options: Partial<TrainOptions> = {
      unfreezeFrom: 'stage2',
      batchNorm: 'frozen',
      gradientClipNorm: 0.05,
      microBatchSize: 2,
    };
    const inProcess = await fineTune(options);
    const pooled = await fineTune({ ...options, workers: await pool('tiny', 3) });
    expect(maxDifference(pooled.weights, inProcess.weights)).toBeLessThan(1e-5);
  });

  it('resumes from a checkpoint to the weights of an uninterrupted run', async () => {
    const workers = await pool('tiny', 2);
    const straight = await fineTune({ workers });
    let checkpoint: TrainingCheckpoint | undefined;
    const saveCheckpoint: TrainerCallback = {
      onEpochEnd: async (_epoch, _logs, context) => {
        if (isTrainerContext(context)) checkpoint = await context.checkpoint();
      },
    };
    await fineTune({
      workers,
      epochs: 1,
      callbacks: [saveCheckpoint],
    });
    expect(checkpoint?.manifest.epoch).toBe(1);
    const resumed = await fineTune({ workers, resume: checkpoint as TrainingCheckpoint });
    expect(maxDifference(resumed.weights, straight.weights)).toBe(0);
  });

  it('turns a worker running out of memory into OutOfMemoryError naming the worker', async () => {
    const workers = await pool('oom', 1);
    const error = await fineTune({ workers }).catch((caught: unknown) => caught);
    expect(OutOfMemoryError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /micro-batch 3, 16x16\): fine-tuning in training worker 0 \(a step on rows 0–7 of 8 \(micro-batch 3\)\)\. Use micro-batches of 1/,
    );
  });

  it('names the worker that failed and fails every later step', async () => {
    const workers = await pool('failing', 2);
    await expect(fineTune({ workers })).rejects.toThrow(
      /Training worker [01] failed during a step on rows [0-9–]+ of 8 \(micro-batch 3\): kernel exploded/,
    );
    await expect(fineTune({ workers })).rejects.toThrow(/kernel exploded/);
  });

  it('fails the step when a worker exits', async () => {
    const workers = await pool('exits', 2);
    await expect(fineTune({ workers })).rejects.toThrow(/Training worker [01] exited \(code 3\)/);
  });

  it('rejects a worker that cannot build its backbone, bad counts, and steps after close', async () => {
    await expect(pool('broken', 1)).rejects.toThrow(
      /Training worker 0 failed during building its backbone: no weights at \/nowhere/,
    );
    await expect(pool('tiny', 0)).rejects.toThrow(/workers.*must be an integer >= 1/);
    const workers = await pool('tiny', 1);
    await workers.close();
    await expect(fineTune({ workers })).rejects.toThrow(/closed/);
  });
});
