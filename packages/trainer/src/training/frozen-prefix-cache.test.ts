import '@tensorflow/tfjs-backend-cpu';
import type { ImageAugmentation } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import type { PrefixRunnerFactory } from './prefix-runner.js';
import { type TrainOptions, train } from './train.js';

const flip: ImageAugmentation = {
  name: 'flip',
  apply: (batch) => ({
    images: tf.tidy(() => tf.reverse(batch.images, 2) as tf.Tensor4D),
    labels: tf.clone(batch.labels),
  }),
  toConfig: () => ({ name: 'flip' }),
};

const trainData = new ColourDataset({ count: 30, seed: 3, noise: 60 });
const validationData = new ColourDataset({ count: 12, seed: 4, noise: 60 });

async function run(overrides: Partial<TrainOptions> = {}) {
  const backbone = plainBackbone({ featureDim: 8, splittable: true });
  const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 5 });
  const optimizer = sgd({ learningRate: 0.05, momentum: 0.9 });
  const notices: string[] = [];
  const notice: TrainerCallback = { onNotice: (message) => void notices.push(message) };
  const prefixPredict = vi.spyOn(backbone.model, 'apply');
  const result = await train({
    backbone,
    head,
    trainData,
    validationData,
    mode: 'fine-tune',
    unfreezeFrom: 'stage2',
    epochs: 3,
    batchSize: 8,
    microBatchSize: 4,
    optimizer,
    ...overrides,
    callbacks: [notice, ...(overrides.callbacks ?? [])],
  });
  const weights = [...backbone.model.getWeights(), ...head.model.getWeights()].map((weight) =>
    Array.from(weight.dataSync()),
  );
  const pixelForwards = prefixPredict.mock.calls.length;
  optimizer.dispose();
  backbone.dispose();
  head.dispose();
  return { result, weights, notices, pixelForwards };
}

function maxDifference(a: number[][], b: number[][]): number {
  let largest = 0;
  a.forEach((values, index) => {
    values.forEach((value, at) => {
      largest = Math.max(largest, Math.abs(value - (b[index]?.[at] ?? Number.NaN)));
    });
  });
  return largest;
}

describe('frozen-prefix cache', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains to the same weights as fine-tuning on pixels (same seed, no augmentation)', async () => {
    for (const shuffle of [false, true]) {
      const plain = await run({ frozenPrefixCache: 'off', shuffle });
      const cached = await run({ shuffle });
      expect(plain.result.frozenPrefixCache?.used).toBe(false);
      expect(cached.result.frozenPrefixCache).toMatchObject({ used: true, before: 'stage2' });
      expect(cached.notices[0]).toMatch(/cut before stage2, 1 view of 42 activations \[8,8,6\]/);
      // The pixel path calls the whole backbone every micro-batch; the cached one never.
      expect(plain.pixelForwards).toBeGreaterThan(0);
      expect(cached.pixelForwards).toBe(0);
      if (!shuffle) {
        // Dataset order on both paths: the same steps on the same rows.
        expect(maxDifference(cached.weights, plain.weights)).toBeLessThan(1e-5);
        cached.result.history.forEach((logs, epoch) => {
          expect(logs.loss).toBeCloseTo(plain.result.history[epoch]?.loss ?? Number.NaN, 5);
          expect(logs.val_loss).toBeCloseTo(plain.result.history[epoch]?.val_loss ?? Number.NaN, 5);
        });
      } else {
        // Shuffled, the cached epochs visit rows in the trainer's own seeded order: they learn
        // as well, but not step for step.
        expect(cached.result.validation?.accuracy).toBeGreaterThanOrEqual(
          (plain.result.validation?.accuracy ?? 1) - 0.1,
        );
      }
      expect(cached.result.validation?.accuracy).toBeGreaterThan(0.6);
    }
  });

  it('falls back to pixels and says why', async () => {
    const augmented = await run({ augmentation: flip, epochs: 1 });
    expect(augmented.result.frozenPrefixCache?.used).toBe(false);
    expect(augmented.notices[0]).toMatch(/set augmentedViews/);
    expect(augmented.pixelForwards).toBeGreaterThan(0);
    const overBudget = await run({ frozenPrefixCacheBytes: 1000, epochs: 1 });
    expect(overBudget.notices[0]).toMatch(
      /42 activations of \[8,8,6\] need 0 MiB, over the budget/,
    );
    const wholeBackbone = await run({ unfreezeFrom: undefined, epochs: 1 });
    expect(wholeBackbone.notices[0]).toMatch(/no unfreezeFrom/);
    const views = await run({ augmentation: flip, augmentedViews: 2, epochs: 2 });
    expect(views.result.frozenPrefixCache?.message).toMatch(/2 views of 72 activations/);
    expect(views.pixelForwards).toBe(0);
    await expect(run({ augmentedViews: 0 })).rejects.toThrow(/augmentedViews/);
  });

  it('runs the prefix pass on a prefix runner when given, and on tfjs when the runner fails', async () => {
    const plain = await run({ epochs: 2 });
    const calls: number[][] = [];
    let closed = 0;
    const runner: PrefixRunnerFactory = async (prefix) => ({
      detail: 'test runner',
      async run(pixels, shape) {
        calls.push([...shape]);
        // Another engine would compute this elsewhere; here tfjs stands in for it.
        const output = tf.tidy(() => prefix.predict(tf.tensor(pixels, [...shape])) as tf.Tensor);
        const values = (await output.data()) as Float32Array;
        output.dispose();
        return values;
      },
      async close() {
        closed++;
      },
    });
    const tensorsBefore = tf.memory().numTensors;
    const viaRunner = await run({ epochs: 2, prefixRunner: runner });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(viaRunner.notices[0]).toMatch(/cached \(0 MiB, [0-9.]+ s on test runner\)/);
    // Every image of both splits went through the runner once, in batches of NHWC pixels.
    expect(calls.reduce((sum, shape) => sum + (shape[0] ?? 0), 0)).toBe(42);
    expect(calls.every((shape) => shape.length === 4 && shape[3] === 3)).toBe(true);
    expect(closed).toBe(1);
    expect(maxDifference(viaRunner.weights, plain.weights)).toBeLessThan(1e-5);

    const failing = await run({
      epochs: 1,
      prefixRunner: () => Promise.reject(new Error('no ONNX Runtime here')),
    });
    expect(failing.result.frozenPrefixCache?.used).toBe(true);
    expect(failing.notices[0]).toMatch(
      /on tfjs \(the prefix runner failed: no ONNX Runtime here\)/,
    );
  });

  it('leaves no tensors behind and resumes from a checkpoint to the same weights', async () => {
    const backbone = plainBackbone({ featureDim: 8, splittable: true });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const optimizer = sgd({ learningRate: 0.05 });
    await expectNoTensorLeaks(async () => {
      await train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'fine-tune',
        unfreezeFrom: 'stage2',
        epochs: 2,
        batchSize: 8,
        optimizer,
      });
    });
    optimizer.dispose();
    backbone.dispose();
    head.dispose();

    let saved: TrainingCheckpoint | undefined;
    const saveAtOne: TrainerCallback = {
      async onEpochEnd(epoch, _logs, context) {
        if (epoch === 0) {
          saved = await (
            context as never as { checkpoint(): Promise<TrainingCheckpoint> }
          ).checkpoint();
        }
      },
    };
    const straight = await run({ callbacks: [saveAtOne] });
    const resumed = await run({ resume: saved as TrainingCheckpoint });
    expect(saved?.manifest.epoch).toBe(1);
    expect(resumed.result.frozenPrefixCache?.used).toBe(true);
    expect(resumed.result.history).toHaveLength(3);
    expect(maxDifference(resumed.weights, straight.weights)).toBe(0);
  });
});
