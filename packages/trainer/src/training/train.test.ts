import '@tensorflow/tfjs-backend-cpu';
import { type ImageAugmentation, OutOfMemoryError } from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryFeatureStore } from '../features/feature-store.js';
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { train } from './train.js';

/** Brightness jitter; deterministic in its seed. */
const jitter: ImageAugmentation = {
  name: 'jitter',
  apply(batch, options) {
    const factor = 0.8 + 0.4 * ((options.seed % 1000) / 1000);
    return {
      images: tf.tidy(() => tf.clipByValue(tf.mul(batch.images, factor), 0, 255) as tf.Tensor4D),
      labels: tf.clone(batch.labels),
    };
  },
  toConfig: () => ({ name: 'jitter' }),
};

describe('train', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('feature extraction runs the backbone once per image, however many epochs', async () => {
    const trainData = new ColourDataset({ count: 48, seed: 1, noise: 40 });
    const validationData = new ColourDataset({ count: 24, seed: 2, noise: 40 });
    const backboneCalls = async (epochs: number) => {
      const backbone = tinyBackbone({ featureDim: 16 });
      const head = denseHead({ featureDim: 16, numClasses: 3 });
      const predict = vi.spyOn(backbone.model, 'predict');
      const result = await train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'feature-extraction',
        epochs,
        batchSize: 4,
        extractionBatchSize: 16,
        optimizer: adam({ learningRate: 0.1 }),
      });
      const calls = predict.mock.calls.length;
      backbone.dispose();
      head.dispose();
      return { calls, result };
    };
    const one = await backboneCalls(1);
    const ten = await backboneCalls(10);
    // 48 train + 24 validation images in batches of 16: 3 + 2 calls, for 1 epoch and for 10.
    expect(one.calls).toBe(5);
    expect(ten.calls).toBe(5);
    expect(ten.result.extraction).toMatchObject({ backboneCalls: 5, backboneImages: 72 });
    expect(ten.result.history).toHaveLength(10);
    // Three colours: chance is 1/3.
    expect(ten.result.validation?.accuracy).toBeGreaterThan(0.9);
    expect(ten.result.history[9]?.loss).toBeLessThan(ten.result.history[0]?.loss ?? 0);
  });

  it('feature extraction leaves no tensors behind', async () => {
    const trainData = new ColourDataset({ count: 20, seed: 1 });
    const validationData = new ColourDataset({ count: 10, seed: 2 });
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 4 });
    const optimizer = adam({ learningRate: 0.01 });
    await expectNoTensorLeaks(async () => {
      await train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'feature-extraction',
        epochs: 3,
        batchSize: 6,
        optimizer,
        augmentation: jitter,
        augmentedPasses: 2,
      });
    });
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
  });

  it('turns an allocation failure into an OutOfMemoryError naming the micro-batch to use', async () => {
    const trainData = new ColourDataset({ count: 8, seed: 1 });
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const apply = backbone.model.apply.bind(backbone.model);
    // What the runtime's wasm allocation guard throws when a tensor does not fit.
    const allocationFailure = new OutOfMemoryError({
      backend: 'wasm',
      during: 'an allocation of 1.00 GiB (heap now 3.88 GiB, capped at 4 GiB)',
      advice: 'Use smaller micro-batches.',
    });
    backbone.model.apply = () => {
      throw allocationFailure;
    };
    const choices: string[] = [];
    const error = await train({
      backbone,
      head,
      trainData,
      mode: 'fine-tune',
      epochs: 1,
      batchSize: 8,
      microBatchSize: 8,
      onMicroBatchSize: (choice) => choices.push(choice.reason),
    }).catch((caught: unknown) => caught);
    expect(OutOfMemoryError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    // Says where (the step, then the guard's allocation) and which micro-batch to use.
    expect(message).toMatch(
      /during a training step of plain \(micro-batch 8, 16x16\): an allocation of 1\.00 GiB .*\. Use micro-batches of 4/,
    );
    // The guard stopped the allocation before the wasm module was touched: it is still usable.
    expect(message).not.toContain('cannot be used again');
    expect((error as Error).cause).toBe(allocationFailure);
    expect(choices).toEqual([
      expect.stringMatching(/^micro-batch 8 of 8: as requested, estimated/),
    ]);
    backbone.model.apply = apply;
    backbone.dispose();
    head.dispose();
  });

  it('tells the chosen micro-batch and why before fine-tuning', async () => {
    const trainData = new ColourDataset({ count: 8, seed: 1 });
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const choices: { microBatchSize: number; source: string }[] = [];
    await train({
      backbone,
      head,
      trainData,
      mode: 'fine-tune',
      epochs: 1,
      batchSize: 4,
      onMicroBatchSize: (choice) => choices.push(choice),
    });
    // A 16x16 network fits whole batches.
    expect(choices).toEqual([expect.objectContaining({ microBatchSize: 4, source: 'estimate' })]);
    backbone.dispose();
    head.dispose();
  });

  it('turns a heap abort into an OutOfMemoryError with advice', async () => {
    const trainData = new ColourDataset({ count: 8, seed: 1 });
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const apply = backbone.model.apply.bind(backbone.model);
    backbone.model.apply = () => {
      throw new Error('RuntimeError: Aborted(OOM)');
    };
    await expect(
      train({
        backbone,
        head,
        trainData,
        mode: 'fine-tune',
        epochs: 1,
        batchSize: 8,
        microBatchSize: 4,
      }),
    ).rejects.toThrow(
      /ran out of memory during a training step of plain \(micro-batch 4, 16x16\)\. Use micro-batches of 2 \(microBatchSize, or --micro-batch 2 with graft train\); the batch size can stay\. The wasm module aborted and cannot be used again in this process/,
    );
    backbone.model.apply = apply;
    backbone.dispose();
    head.dispose();
  });

  it('a feature store shared between runs skips the backbone, keyed by weights', async () => {
    const trainData = new ColourDataset({ count: 24, seed: 1, withKeys: false });
    const store = new MemoryFeatureStore();
    const run = async (seed: number) => {
      const backbone = tinyBackbone({ featureDim: 8, seed });
      const head = denseHead({ featureDim: 8, numClasses: 3 });
      const result = await train({
        backbone,
        head,
        trainData,
        mode: 'feature-extraction',
        epochs: 1,
        featureStore: store,
        extractionBatchSize: 8,
      });
      backbone.dispose();
      head.dispose();
      return result.extraction;
    };
    expect(await run(1)).toMatchObject({ backboneCalls: 3, cacheHits: 0 });
    expect(await run(1)).toMatchObject({ backboneCalls: 0, cacheHits: 24 });
    // Other weights (another weightsId): another cache entry.
    expect(await run(2)).toMatchObject({ backboneCalls: 3, cacheHits: 0 });
    expect(store.size).toBe(48);
  });

  it('augmented feature extraction featurises each pass once', async () => {
    const trainData = new ColourDataset({ count: 24, seed: 1 });
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const predict = vi.spyOn(backbone.model, 'predict');
    const result = await train({
      backbone,
      head,
      trainData,
      mode: 'feature-extraction',
      epochs: 6,
      augmentation: jitter,
      augmentedPasses: 3,
      extractionBatchSize: 12,
    });
    expect(predict.mock.calls.length).toBe(6);
    expect(result.extraction?.backboneImages).toBe(72);
    backbone.dispose();
    head.dispose();
  });

  it('fine-tunes backbone and head with micro-batches, above chance and without leaks', async () => {
    const trainData = new ColourDataset({ count: 36, seed: 3 });
    const validationData = new ColourDataset({ count: 18, seed: 4 });
    // No BatchNorm: core's tiny backbone does not apply the frozen-BatchNorm policy, and its
    // random moving statistics would make inference disagree with training.
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const before = backbone.model.getLayer('stage2_conv').getWeights()[0]?.dataSync().slice();
    const stage1Before = backbone.model.getLayer('stage1_conv').getWeights()[0]?.dataSync().slice();
    const optimizer = sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true });
    const run = (epochs: number) =>
      train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'fine-tune',
        unfreezeFrom: 'stage2',
        epochs,
        batchSize: 12,
        microBatchSize: 4,
        gradientClipNorm: 5,
        discriminative: { backboneMultiplier: 0.5 },
        optimizer,
      });
    const result = await run(10);
    expect(result.validation?.accuracy).toBeGreaterThan(0.8);
    expect(result.peakTensorBytes).toBeGreaterThan(0);
    const after = backbone.model.getLayer('stage2_conv').getWeights()[0]?.dataSync();
    const stage1After = backbone.model.getLayer('stage1_conv').getWeights()[0]?.dataSync();
    expect(after).not.toEqual(before);
    // Frozen below `stage2`.
    expect(stage1After).toEqual(stage1Before);
    await expectNoTensorLeaks(() => run(1).then(() => undefined), { repeats: 1 });
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
  });

  it('micro-batches give the same step as one full batch (no BatchNorm)', async () => {
    const trainData = new ColourDataset({ count: 12, seed: 5 });
    const weightsAfter = async (microBatchSize: number) => {
      const backbone = plainBackbone({ featureDim: 8 });
      const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 6 });
      await train({
        backbone,
        head,
        trainData,
        mode: 'fine-tune',
        unfreezeFrom: 'stage2',
        epochs: 1,
        batchSize: 12,
        microBatchSize,
        shuffle: false,
        optimizer: sgd({ learningRate: 0.1 }),
      });
      const values = [...backbone.model.getWeights(), ...head.model.getWeights()].map((weight) =>
        Array.from(weight.dataSync()),
      );
      backbone.dispose();
      head.dispose();
      return values.flat();
    };
    const full = await weightsAfter(12);
    const micro = await weightsAfter(5);
    const difference = Math.max(
      ...full.map((value, index) => Math.abs(value - (micro[index] ?? 0))),
    );
    expect(difference).toBeLessThan(1e-5);
  });

  it('keeps BatchNorm frozen when unfreezing unless asked to train it', async () => {
    const trainData = new ColourDataset({ count: 4, seed: 1 });
    const selectors: Array<((layer: never) => boolean) | undefined> = [];
    for (const batchNorm of ['frozen', 'train'] as const) {
      const backbone = tinyBackbone({ featureDim: 8 });
      const head = denseHead({ featureDim: 8, numClasses: 3 });
      const unfreeze = vi.spyOn(backbone, 'unfreeze');
      await train({
        backbone,
        head,
        trainData,
        mode: 'fine-tune',
        unfreezeFrom: 'stage2',
        batchNorm,
        epochs: 1,
      });
      const options = unfreeze.mock.calls[0]?.[0];
      expect(options?.from).toBe('stage2');
      selectors.push(options?.layers as ((layer: never) => boolean) | undefined);
      backbone.dispose();
      head.dispose();
    }
    const [frozen, trained] = selectors;
    const layer = (className: string) => ({ getClassName: () => className }) as never;
    expect(frozen?.(layer('BatchNormalization'))).toBe(false);
    expect(frozen?.(layer('Conv2D'))).toBe(true);
    expect(trained).toBeUndefined();
  });

  it('stops on abort with the signal reason', async () => {
    const trainData = new ColourDataset({ count: 24, seed: 1 });
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const controller = new AbortController();
    let batches = 0;
    await expect(
      train({
        backbone,
        head,
        trainData,
        mode: 'fine-tune',
        epochs: 5,
        batchSize: 4,
        signal: controller.signal,
        callbacks: [
          {
            onBatchEnd() {
              batches++;
              if (batches === 2) controller.abort(new Error('user cancelled'));
            },
          },
        ],
      }),
    ).rejects.toThrow('user cancelled');
    expect(batches).toBe(2);
    backbone.dispose();
    head.dispose();
  });
});
