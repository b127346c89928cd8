import '@tensorflow/tfjs-backend-cpu';
import type { ImageAugmentation } from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { augmentationSeed } from '../features/extract-features.js';
import { MemoryFeatureStore } from '../features/feature-store.js';
import { coral } from '../losses/coral.js';
import { distillation } from '../losses/distillation.js';
import type { LogitsTeacher } from '../losses/teacher.js';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { type TrainOptions, train } from './train.js';

/** Brightness jitter; deterministic in its seed. */
const jitter: ImageAugmentation = {
  name: 'jitter',
  apply(batch, options) {
    const factor = 0.7 + 0.6 * ((options.seed % 1000) / 1000);
    return {
      images: tf.tidy(() => tf.clipByValue(tf.mul(batch.images, factor), 0, 255) as tf.Tensor4D),
      labels: tf.clone(batch.labels),
    };
  },
  toConfig: () => ({ name: 'jitter' }),
};

/**
 * A teacher that knows the palette: logits from the mean colour (red, blue, green). Records the
 * pixel sum of every image it sees.
 */
function colourTeacher(): LogitsTeacher & { seen: number[] } {
  const seen: number[] = [];
  return {
    id: 'colour-teacher',
    labels: ['class_0', 'class_1', 'class_2'],
    seen,
    logits(images) {
      seen.push(...(tf.tidy(() => tf.sum(images, [1, 2, 3]).arraySync()) as number[]));
      return tf.tidy(() => {
        const mean = tf.mean(images, [1, 2]) as tf.Tensor2D;
        // Columns r, b, g: class 0 is red, 1 blue, 2 green.
        const [r, g, b] = tf.split(mean, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.div(tf.concat([r, b, g], 1), 40) as tf.Tensor2D;
      });
    },
  };
}

async function headWeights(head: { model: { getWeights(): tf.Tensor[] } }): Promise<number[]> {
  return (await Promise.all(head.model.getWeights().map((w) => w.data()))).flatMap((data) =>
    Array.from(data),
  );
}

describe('train with loss terms', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const trainData = new ColourDataset({ count: 30, seed: 1, noise: 60 });
  const validationData = new ColourDataset({ count: 12, seed: 2, noise: 60 });
  // One class, as an unlabelled folder is: labels are ignored.
  const targetData = new ColourDataset({ count: 20, seed: 3, noise: 100, numClasses: 1 });

  async function run(
    options: Partial<TrainOptions> & { featureDim?: number },
  ): Promise<{ weights: number[]; result: Awaited<ReturnType<typeof train>> }> {
    const featureDim = options.featureDim ?? 8;
    const backbone = options.backbone ?? plainBackbone({ featureDim });
    const head = denseHead({ featureDim, numClasses: 3, seed: 4 });
    const optimizer = adam({ learningRate: 0.05 });
    try {
      const result = await train({
        backbone,
        head,
        trainData,
        validationData,
        mode: 'feature-extraction',
        epochs: 4,
        batchSize: 8,
        extractionBatchSize: 10,
        optimizer,
        seed: 11,
        ...options,
      });
      return { weights: await headWeights(head), result };
    } finally {
      optimizer.dispose();
      head.dispose();
      if (!options.backbone) backbone.dispose();
    }
  }

  it('runs the teacher once per image and pass, on the student’s augmented pixels, cached across runs', async () => {
    const teacher = colourTeacher();
    const store = new MemoryFeatureStore();
    const { result } = await run({
      augmentation: jitter,
      augmentedPasses: 2,
      epochs: 6,
      featureStore: store,
      lossTerms: [distillation({ teacher, temperature: 2, alpha: 0.5 })],
    });
    expect(teacher.seen).toHaveLength(2 * trainData.size);
    expect(result.teacher).toEqual({ images: 2 * trainData.size, cacheHits: 0 });
    // The pixels the teacher saw are the jittered ones of each pass (same batches, same seeds).
    const expected: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      let batchIndex = 0;
      for await (const batch of trainData.batches({ batchSize: 10 })) {
        const augmented = jitter.apply(batch, {
          seed: augmentationSeed(11, pass, batchIndex),
          numClasses: 3,
        });
        expected.push(...(tf.sum(augmented.images, [1, 2, 3]).arraySync() as number[]));
        tf.dispose([batch.images, batch.labels, augmented.images, augmented.labels]);
        batchIndex++;
      }
    }
    teacher.seen.forEach((sum, index) => {
      expect(sum).toBeCloseTo(expected[index] as number, 0);
    });
    expect(result.history).toHaveLength(6);
    for (const logs of result.history) {
      expect(Number.isFinite(logs.hard_loss)).toBe(true);
      expect(Number.isFinite(logs.distillation_loss)).toBe(true);
      expect(logs.loss).toBeCloseTo(
        0.5 * (logs.hard_loss ?? 0) + 0.5 * (logs.distillation_loss ?? 0),
        4,
      );
    }
    // A second run on the same store: every logit comes from the cache.
    const again = colourTeacher();
    await run({
      augmentation: jitter,
      augmentedPasses: 2,
      featureStore: store,
      lossTerms: [distillation({ teacher: again, temperature: 2, alpha: 0.5 })],
    });
    expect(again.seen).toHaveLength(0);
  });

  it('α = 0 trains exactly like no distillation; α > 0 differs', async () => {
    const plain = await run({});
    const zero = await run({ lossTerms: [distillation({ teacher: colourTeacher(), alpha: 0 })] });
    const half = await run({ lossTerms: [distillation({ teacher: colourTeacher(), alpha: 0.5 })] });
    zero.weights.forEach((value, index) => {
      expect(value).toBeCloseTo(plain.weights[index] as number, 5);
    });
    const difference = Math.max(
      ...half.weights.map((value, index) => Math.abs(value - (plain.weights[index] as number))),
    );
    expect(difference).toBeGreaterThan(1e-3);
  });

  it('a backbone + head teacher reuses the features cached when it was trained', async () => {
    const store = new MemoryFeatureStore();
    const teacherBackbone = plainBackbone({ featureDim: 6, seed: 9 });
    const teacherHead = denseHead({ featureDim: 6, numClasses: 3, seed: 5 });
    const shared = {
      trainData,
      mode: 'feature-extraction' as const,
      augmentation: jitter,
      augmentedPasses: 2,
      extractionBatchSize: 10,
      featureStore: store,
      seed: 11,
    };
    await train({
      ...shared,
      backbone: teacherBackbone,
      head: teacherHead,
      epochs: 3,
      batchSize: 8,
    });
    const predict = vi.spyOn(teacherBackbone.model, 'predict');
    const { result } = await run({
      ...shared,
      lossTerms: [distillation({ teacher: { backbone: teacherBackbone, head: teacherHead } })],
    });
    expect(predict).not.toHaveBeenCalled();
    expect(Number.isFinite(result.history[3]?.distillation_loss)).toBe(true);
    teacherBackbone.dispose();
    teacherHead.dispose();
  });

  it('a backbone + head teacher of another input size sees the same pixels resized', async () => {
    const teacherBackbone = tinyBackbone({ featureDim: 6, inputSize: [24, 24] });
    const teacherHead = denseHead({ featureDim: 6, numClasses: 3, seed: 5 });
    const predict = vi.spyOn(teacherBackbone.model, 'predict');
    const { result } = await run({
      lossTerms: [distillation({ teacher: { backbone: teacherBackbone, head: teacherHead } })],
    });
    // 30 images in batches of 10, through the teacher once (one pass, no augmentation).
    expect(predict).toHaveBeenCalledTimes(3);
    expect(result.teacher).toEqual({ images: 30, cacheHits: 0 });
    teacherBackbone.dispose();
    teacherHead.dispose();
  });

  it('teacher logits are cached per teacher weights: a retrained head of one config misses', async () => {
    const store = new MemoryFeatureStore();
    // Another input size: logits go through the pixel path, cached under the teacher's identity.
    const teacherBackbone = tinyBackbone({ featureDim: 6, inputSize: [24, 24] });
    const first = denseHead({ featureDim: 6, numClasses: 3, seed: 5 });
    const retrained = denseHead({ featureDim: 6, numClasses: 3, seed: 6 });
    expect(retrained.getConfig()).toEqual(first.getConfig());
    const teacherRun = async (head: typeof first) =>
      (
        await run({
          featureStore: store,
          lossTerms: [distillation({ teacher: { backbone: teacherBackbone, head } })],
        })
      ).result.teacher;
    expect(await teacherRun(first)).toEqual({ images: 30, cacheHits: 0 });
    expect(await teacherRun(first)).toEqual({ images: 0, cacheHits: 30 });
    expect(await teacherRun(retrained)).toEqual({ images: 30, cacheHits: 0 });
    teacherBackbone.dispose();
    first.dispose();
    retrained.dispose();
  });

  it('CORAL in feature-extraction mode: target featurised once, deterministic, changes training', async () => {
    const backbone = plainBackbone({ featureDim: 8 });
    const predict = vi.spyOn(backbone.model, 'predict');
    const first = await run({
      backbone,
      epochs: 5,
      lossTerms: [coral({ targetData, weight: 50 })],
    });
    // 30 train + 12 validation + 20 target images in batches of 10: 3 + 2 + 2 calls.
    expect(predict).toHaveBeenCalledTimes(7);
    const second = await run({ epochs: 5, lossTerms: [coral({ targetData, weight: 50 })] });
    expect(second.weights).toEqual(first.weights);
    const plain = await run({ epochs: 5 });
    const difference = Math.max(
      ...plain.weights.map((value, index) => Math.abs(value - (first.weights[index] as number))),
    );
    expect(difference).toBeGreaterThan(1e-4);
    for (const logs of first.result.history) {
      expect(logs.coral_loss).toBeGreaterThan(0);
    }
    backbone.dispose();
  });

  it('checks the terms against the run', async () => {
    await expect(run({ lossTerms: [coral({ targetData, layer: 'features' })] })).rejects.toThrow(
      /fine-tune/,
    );
    const teacher = colourTeacher();
    await expect(
      run({ lossTerms: [distillation({ teacher }), distillation({ teacher })] }),
    ).rejects.toThrow(/second distillation/);
    await expect(
      run({
        lossTerms: [distillation({ teacher: { ...teacher, labels: ['a', 'b', 'c'] } })],
      }),
    ).rejects.toThrow(/labels/);
  });

  it('resumes a run with distillation and CORAL exactly (both modes)', async () => {
    for (const mode of ['feature-extraction', 'fine-tune'] as const) {
      const terms = () => [
        distillation({ teacher: colourTeacher(), temperature: 3, alpha: 0.7 }),
        coral({ targetData, weight: 10 }),
      ];
      let saved: TrainingCheckpoint | undefined;
      const saveAtTwo: TrainerCallback = {
        async onEpochEnd(epoch, _logs, context) {
          if (epoch === 1)
            saved = await (
              context as never as { checkpoint(): Promise<TrainingCheckpoint> }
            ).checkpoint();
        },
      };
      const common = {
        mode,
        augmentation: jitter,
        augmentedPasses: 2,
        microBatchSize: 4,
        backbone: tinyBackbone({ featureDim: 8 }),
      };
      const straight = await run({ ...common, lossTerms: terms(), callbacks: [saveAtTwo] });
      common.backbone.dispose();
      const resumedBackbone = tinyBackbone({ featureDim: 8 });
      const resumed = await run({
        ...common,
        backbone: resumedBackbone,
        lossTerms: terms(),
        resume: saved as TrainingCheckpoint,
      });
      resumedBackbone.dispose();
      expect(saved?.manifest.epoch).toBe(2);
      // Two epochs ran after the resume; the first two come from the checkpoint's history.
      expect(resumed.result.step - (saved?.manifest.step ?? 0)).toBe(2 * Math.ceil(30 / 8));
      expect(resumed.result.history).toHaveLength(4);
      expect(resumed.weights).toEqual(straight.weights);
      expect(resumed.result.history[3]).toMatchObject({
        coral_loss: straight.result.history[3]?.coral_loss,
        distillation_loss: straight.result.history[3]?.distillation_loss,
      });
    }
  });

  it('fine-tuning with both terms (CORAL on features) leaves no tensors behind', async () => {
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 4 });
    const optimizer = adam({ learningRate: 0.01 });
    const options: TrainOptions = {
      backbone,
      head,
      trainData,
      mode: 'fine-tune',
      epochs: 2,
      batchSize: 8,
      microBatchSize: 3,
      optimizer,
      augmentation: jitter,
      lossTerms: [
        distillation({ teacher: colourTeacher() }),
        coral({ targetData, layer: 'features', weight: 5 }),
        coral({ targetData }),
      ],
    };
    const result = await train(options);
    expect(result.history[1]?.coral_loss).toBeGreaterThan(0);
    expect(result.history[1]?.coral_loss_1).toBeGreaterThanOrEqual(0);
    await expectNoTensorLeaks(async () => {
      await train(options);
    });
    optimizer.dispose();
    head.dispose();
    backbone.dispose();
  });
});
