import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { fineTune } from './fine-tune.js';

describe('fineTune', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains the head on the frozen backbone, then unfreezes and continues', async () => {
    const trainData = new ColourDataset({ count: 36, seed: 3, noise: 60 });
    const validationData = new ColourDataset({ count: 18, seed: 4, noise: 60 });
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const stage1 = () =>
      Array.from(backbone.model.getLayer('stage1_conv').getWeights()[0]?.dataSync() ?? []);
    const stage2 = () =>
      Array.from(backbone.model.getLayer('stage2_conv').getWeights()[0]?.dataSync() ?? []);
    const [stage1Before, stage2Before] = [stage1(), stage2()];
    const epochsSeen: number[] = [];
    let stage2AfterFrozen: number[] = [];
    const optimizer = adam({ learningRate: 0.005 });
    const result = await fineTune({
      backbone,
      head,
      trainData,
      validationData,
      freezeEpochs: 3,
      epochs: 3,
      batchSize: 6,
      headOptimizer: adam({ learningRate: 0.05 }),
      optimizer,
      unfreezeFrom: 'stage2',
      discriminative: { layerDecay: 0.5 },
      callbacks: [
        {
          onEpochEnd(epoch) {
            epochsSeen.push(epoch);
            if (epoch === 2) stage2AfterFrozen = stage2();
          },
        },
      ],
    });
    expect(epochsSeen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result.history).toHaveLength(6);
    // Stage 1 ran the backbone once per image (36 train + 18 validation, batches of 32).
    expect(result.frozen.extraction?.backboneCalls).toBe(3);
    expect(stage2AfterFrozen).toEqual(stage2Before);
    expect(stage2()).not.toEqual(stage2Before);
    expect(stage1()).toEqual(stage1Before);
    expect(result.unfrozen?.validation?.accuracy).toBeGreaterThan(0.8);
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
  });

  it('with a splittable backbone, runs the frozen layers once for both stages', async () => {
    const trainData = new ColourDataset({ count: 36, seed: 3, noise: 60 });
    const validationData = new ColourDataset({ count: 18, seed: 4, noise: 60 });
    const backbone = plainBackbone({ featureDim: 8, splittable: true });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const split = vi.spyOn(backbone, 'split');
    const wholeBackbone = vi.spyOn(backbone.model, 'apply');
    const wholePredict = vi.spyOn(backbone.model, 'predict');
    const stage1 = () =>
      Array.from(backbone.model.getLayer('stage1_conv').getWeights()[0]?.dataSync() ?? []);
    const stage2 = () =>
      Array.from(backbone.model.getLayer('stage2_conv').getWeights()[0]?.dataSync() ?? []);
    const [stage1Before, stage2Before] = [stage1(), stage2()];
    let stage2AfterFrozen: number[] = [];
    const notices: string[] = [];
    const optimizer = adam({ learningRate: 0.005 });
    const headOptimizer = adam({ learningRate: 0.05 });
    const run = () =>
      fineTune({
        backbone,
        head,
        trainData,
        validationData,
        freezeEpochs: 3,
        epochs: 3,
        batchSize: 6,
        headOptimizer,
        optimizer,
        unfreezeFrom: 'stage2',
        callbacks: [
          {
            onEpochEnd(epoch) {
              if (epoch === 2) stage2AfterFrozen = stage2();
            },
            onNotice: (message: string) => void notices.push(message),
          },
        ],
      });
    const result = await run();
    expect(split).toHaveBeenCalledTimes(1);
    // Neither stage ran the whole backbone on pixels.
    expect(wholeBackbone).not.toHaveBeenCalled();
    expect(wholePredict).not.toHaveBeenCalled();
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatch(/cut before stage2, 1 view of 54 activations/);
    expect(result.frozen.frozenPrefixCache?.used).toBe(true);
    expect(result.unfrozen?.frozenPrefixCache?.used).toBe(true);
    expect(stage2AfterFrozen).toEqual(stage2Before);
    expect(stage2()).not.toEqual(stage2Before);
    expect(stage1()).toEqual(stage1Before);
    expect(result.unfrozen?.validation?.accuracy).toBeGreaterThan(0.8);
    await expectNoTensorLeaks(() => run().then(() => undefined), { repeats: 1 });
    headOptimizer.dispose();
    optimizer.dispose();
    backbone.dispose();
    head.dispose();
  });

  it.each([
    ['the frozen-prefix cache', true],
    ['cached features', false],
  ])(
    'resumes from a checkpoint of either stage to the same weights (%s)',
    async (_name, splittable) => {
      const trainData = new ColourDataset({ count: 24, seed: 3, noise: 60 });
      const validationData = new ColourDataset({ count: 12, seed: 4, noise: 60 });
      const saved = new Map<number, TrainingCheckpoint>();
      const run = async (resume?: TrainingCheckpoint) => {
        const backbone = plainBackbone({ featureDim: 8, splittable });
        // Another head initialisation when resuming: only the checkpoint can make them equal.
        const head = denseHead({ featureDim: 8, numClasses: 3, seed: resume ? 7 : 0 });
        const headOptimizer = adam({ learningRate: 0.05 });
        const optimizer = adam({ learningRate: 0.005 });
        const epochs: number[] = [];
        const keep: TrainerCallback = {
          async onEpochEnd(epoch, _logs, context) {
            epochs.push(epoch);
            if (resume) return;
            const checkpoint = (context as never as { checkpoint(): Promise<TrainingCheckpoint> })
              .checkpoint;
            saved.set(epoch + 1, await checkpoint());
          },
        };
        const result = await fineTune({
          backbone,
          head,
          trainData,
          validationData,
          freezeEpochs: 2,
          epochs: 2,
          batchSize: 6,
          headOptimizer,
          optimizer,
          unfreezeFrom: 'stage2',
          callbacks: [keep],
          ...(resume ? { resume } : {}),
        });
        const weights = [...backbone.model.getWeights(), ...head.model.getWeights()].map((weight) =>
          Array.from(weight.dataSync()),
        );
        for (const disposable of [headOptimizer, optimizer, backbone, head]) disposable.dispose();
        return { result, weights, epochs };
      };
      const straight = await run();
      expect([...saved.keys()]).toEqual([1, 2, 3, 4]);
      // Epoch 1: inside stage 1; 2: stage 1 done, stage 2 not begun; 3: inside stage 2.
      for (const epoch of [1, 2, 3]) {
        const resumed = await run(saved.get(epoch));
        expect(resumed.weights, `resumed from epoch ${epoch}`).toEqual(straight.weights);
        expect(resumed.epochs).toEqual([0, 1, 2, 3].slice(epoch));
        const { loss, val_loss, val_accuracy } = straight.result.history.at(-1) ?? {};
        expect(resumed.result.unfrozen?.history.at(-1)).toMatchObject({
          loss,
          val_loss,
          val_accuracy,
        });
      }
      const last = saved.get(4) as TrainingCheckpoint;
      await expect(run({ ...last, manifest: { ...last.manifest, epoch: 9 } })).rejects.toThrow(
        /Argument `resume` .*epoch ≤ 4/,
      );
    },
  );
});
