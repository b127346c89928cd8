import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { gradualUnfreeze } from './gradual-unfreeze.js';

const trainData = new ColourDataset({ count: 24, seed: 3, noise: 60 });
const validationData = new ColourDataset({ count: 12, seed: 4, noise: 60 });
// Head only for epoch 0, stage2 from epoch 1, the whole backbone from epoch 3.
const stages = [{ epoch: 1, unfreezeFrom: 'stage2' }, { epoch: 3 }] as const;

async function run(options: { resume?: TrainingCheckpoint; headSeed?: number } = {}) {
  const backbone = plainBackbone({ featureDim: 8 });
  const head = denseHead({ featureDim: 8, numClasses: 3, seed: options.headSeed ?? 0 });
  const headOptimizer = adam({ learningRate: 0.05 });
  const optimizer = adam({ learningRate: 0.01 });
  const kernel = (layer: string) =>
    Array.from(backbone.model.getLayer(layer).getWeights()[0]?.dataSync() ?? []);
  const snapshots: Array<{ stage1: number[]; stage2: number[] }> = [];
  const checkpoints = new Map<number, TrainingCheckpoint>();
  const epochs: number[] = [];
  const callback: TrainerCallback = {
    async onEpochEnd(epoch, _logs, context) {
      epochs.push(epoch);
      snapshots[epoch] = { stage1: kernel('stage1_conv'), stage2: kernel('stage2_conv') };
      const trainer = context as never as { checkpoint(): Promise<TrainingCheckpoint> };
      checkpoints.set(epoch + 1, await trainer.checkpoint());
    },
  };
  const initial = { stage1: kernel('stage1_conv'), stage2: kernel('stage2_conv') };
  const result = await gradualUnfreeze({
    backbone,
    head,
    trainData,
    validationData,
    epochs: 4,
    stages,
    batchSize: 6,
    headOptimizer,
    optimizer,
    callbacks: [callback],
    ...(options.resume ? { resume: options.resume } : {}),
  });
  const weights = [...backbone.model.getWeights(), ...head.model.getWeights()].map((weight) =>
    Array.from(weight.dataSync()),
  );
  for (const disposable of [headOptimizer, optimizer, backbone, head]) disposable.dispose();
  return { result, weights, snapshots, initial, checkpoints, epochs };
}

describe('gradualUnfreeze', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('unfreezes deeper at each stage and resumes any stage to the same weights', async () => {
    const straight = await run();
    expect(straight.epochs).toEqual([0, 1, 2, 3]);
    expect(straight.result.stages).toHaveLength(3);
    expect(straight.result.history).toHaveLength(4);
    const [afterHead, , afterStage2, afterAll] = straight.snapshots;
    // Epoch 0: head only.
    expect(afterHead).toEqual(straight.initial);
    // Epochs 1–2: stage2 trains, stage1 stays.
    expect(afterStage2?.stage1).toEqual(straight.initial.stage1);
    expect(afterStage2?.stage2).not.toEqual(straight.initial.stage2);
    // Epoch 3: everything.
    expect(afterAll?.stage1).not.toEqual(straight.initial.stage1);

    for (const epoch of [1, 2, 3]) {
      const resumed = await run({ resume: straight.checkpoints.get(epoch), headSeed: 7 });
      expect(resumed.weights, `resumed after epoch ${epoch}`).toEqual(straight.weights);
      expect(resumed.epochs).toEqual([0, 1, 2, 3].slice(epoch));
    }
    await expectNoTensorLeaks(() => run().then(() => undefined), { repeats: 1 });
  });

  it('refuses stages out of order or outside the run, naming the stage', async () => {
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const attempt = (bad: Array<{ epoch: number; unfreezeFrom?: string }>) =>
      gradualUnfreeze({ backbone, head, trainData, epochs: 4, stages: bad });
    await expect(attempt([{ epoch: 2 }, { epoch: 2 }])).rejects.toThrow(
      /Argument `stages\[1\]\.epoch` must be an integer above 2/,
    );
    await expect(attempt([{ epoch: 4 }])).rejects.toThrow(/below epochs \(4\)/);
    await expect(attempt([{ epoch: 0 }])).rejects.toThrow(/above 0/);
    await expect(attempt([])).rejects.toThrow(/at least one stage/);
    backbone.dispose();
    head.dispose();
  });
});
