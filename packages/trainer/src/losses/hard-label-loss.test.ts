import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, UnknownNameError } from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from '../optimizers/adam.js';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import fixture from './__fixtures__/torch-label-smoothing.json' with { type: 'json' };
import { resolveClassWeights } from './class-weights.js';
import {
  classificationLossNames,
  createClassificationLoss,
  crossEntropy,
  focalLoss,
} from './classification-loss.js';
import { distillationLoss } from './distillation.js';
import {
  type HardLabelLoss,
  hardLabelLoss,
  resolveHardLabelLoss,
  stepHardLabelLoss,
} from './hard-label-loss.js';

function lossValue(
  probabilities: number[][],
  targets: number[][],
  settings: HardLabelLoss,
): number {
  return tf.tidy(
    () =>
      hardLabelLoss({
        probabilities: tf.tensor2d(probabilities),
        targets: tf.tensor2d(targets),
        activation: 'softmax',
        settings,
      }).dataSync()[0] as number,
  );
}

const oneHot = (labels: number[], classes: number) =>
  labels.map((label) => Array.from({ length: classes }, (_, c) => (c === label ? 1 : 0)));

describe('class weights', () => {
  it('balanced is n_samples / (n_classes · count_c), as in Keras and scikit-learn', () => {
    // 3 ants, 1 bee: 4 / (2·3) and 4 / (2·1).
    const weights = resolveClassWeights({
      setting: 'balanced',
      classNames: ['ants', 'bees'],
      labels: [0, 0, 0, 1],
    });
    expect(weights[0]).toBeCloseTo(2 / 3, 12);
    expect(weights[1]).toBe(2);
  });

  it('takes weights by class name, 1 for the classes left out', () => {
    expect(
      resolveClassWeights({
        setting: { bees: 4 },
        classNames: ['ants', 'bees', 'wasps'],
        labels: [],
      }),
    ).toEqual([1, 4, 1]);
  });

  it('an unknown class name errors listing the classes', () => {
    expect(() =>
      resolveClassWeights({ setting: { bee: 4 }, classNames: ['ants', 'bees'], labels: [] }),
    ).toThrow(/classes: ants, bees.*Received: classWeight=.*bee/);
    expect(() =>
      resolveClassWeights({ setting: { bees: -1 }, classNames: ['ants', 'bees'], labels: [] }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('hardLabelLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // Rows p = [0.8, 0.2] (label 0) and [0.3, 0.7] (label 1).
  const probabilities = [
    [0.8, 0.2],
    [0.3, 0.7],
  ];

  it('weighs classes and divides by the summed target weight (hand-computed)', () => {
    // (1·(−ln 0.8) + 3·(−ln 0.7)) / (1 + 3)
    const expected = (-Math.log(0.8) - 3 * Math.log(0.7)) / 4;
    const value = lossValue(probabilities, oneHot([0, 1], 2), {
      loss: crossEntropy(),
      classWeights: [1, 3],
      labelSmoothing: 0,
    });
    expect(value).toBeCloseTo(expected, 6);
    expect(expected).toBeCloseTo(0.32329209, 7);
  });

  it('focal loss is −α(1 − p)^γ log p, mean over rows (hand-computed)', () => {
    // Both rows label 0: 0.2²·(−ln 0.8) and 0.7²·(−ln 0.3).
    const targets = oneHot([0, 0], 2);
    const rows = [0.04 * -Math.log(0.8), 0.49 * -Math.log(0.3)];
    const plain = (rows[0] as number) / 2 + (rows[1] as number) / 2;
    expect(plain).toBeCloseTo(0.29943621, 7);
    const focal = lossValue(probabilities, targets, {
      loss: focalLoss({ gamma: 2 }),
      labelSmoothing: 0,
    });
    expect(focal).toBeCloseTo(plain, 6);
    const withAlpha = lossValue(probabilities, targets, {
      loss: focalLoss({ gamma: 2, alpha: [0.25, 0.75] }),
      labelSmoothing: 0,
    });
    expect(withAlpha).toBeCloseTo(0.25 * plain, 6);
    // γ = 0 is cross-entropy.
    const gammaZero = lossValue(probabilities, targets, {
      loss: focalLoss({ gamma: 0 }),
      labelSmoothing: 0,
    });
    expect(gammaZero).toBeCloseTo((-Math.log(0.8) - Math.log(0.3)) / 2, 6);
  });

  it.each(
    fixture.cases.map((entry) => [
      `${entry.targets}, ε=${entry.labelSmoothing}, ${entry.weight ? 'weighted' : 'unweighted'}`,
      entry,
    ]),
  )('equals PyTorch CrossEntropyLoss(weight, label_smoothing): %s', (_, entry) => {
    const targets = entry.targets === 'soft' ? fixture.softTargets : oneHot(fixture.labels, 4);
    const value = lossValue(fixture.probabilities, targets, {
      loss: crossEntropy(),
      ...(entry.weight ? { classWeights: entry.weight } : {}),
      labelSmoothing: entry.labelSmoothing,
    });
    expect(Math.abs(value - entry.loss)).toBeLessThan(1e-6);
  });

  it('focal loss gradients match finite differences of the double-precision formula', () => {
    const logits = [
      [0.3, -1.2, 2.0],
      [1.5, 0.2, -0.7],
    ];
    const labels = [0, 2];
    const weights = [0.5, 1, 3];
    const gamma = 2;
    const reference = (values: number[][]) => {
      let total = 0;
      let denominator = 0;
      values.forEach((row, index) => {
        const max = Math.max(...row);
        const exps = row.map((value) => Math.exp(value - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        const label = labels[index] as number;
        const p = (exps[label] as number) / sum;
        total += (weights[label] as number) * (1 - p) ** gamma * -Math.log(p);
        denominator += weights[label] as number;
      });
      return total / denominator;
    };
    const settings: HardLabelLoss = {
      loss: focalLoss({ gamma }),
      classWeights: weights,
      labelSmoothing: 0,
    };
    const gradient = tf.tidy(() => {
      const targets = tf.tensor2d(oneHot(labels, 3));
      const grad = tf.grad((z: tf.Tensor) =>
        hardLabelLoss({ probabilities: tf.softmax(z), targets, activation: 'softmax', settings }),
      );
      return grad(tf.tensor2d(logits)).arraySync() as number[][];
    });
    const step = 1e-5;
    logits.forEach((row, i) => {
      row.forEach((_, j) => {
        const shifted = (delta: number) =>
          logits.map((r, a) => r.map((value, b) => (a === i && b === j ? value + delta : value)));
        const numeric = (reference(shifted(step)) - reference(shifted(-step))) / (2 * step);
        expect(gradient[i]?.[j]).toBeCloseTo(numeric, 4);
      });
    });
  });

  it('micro-batches weighted by their share sum to the full-batch weighted loss', () => {
    const targets = tf.tensor2d(oneHot(fixture.labels, 4));
    const all = tf.tensor2d(fixture.probabilities);
    const settings: HardLabelLoss = {
      loss: focalLoss({ gamma: 1 }),
      classWeights: [1, 2, 0.5, 4],
      labelSmoothing: 0.1,
    };
    const step = stepHardLabelLoss({ settings, activation: 'softmax', targets });
    const full = step.loss({ probabilities: all, targets });
    let summed = 0;
    for (const [start, size] of [
      [0, 4],
      [4, 2],
    ] as const) {
      const part = step.loss({
        probabilities: tf.slice(all, start, size),
        targets: tf.slice(targets, start, size),
      });
      summed += (part.dataSync()[0] as number) * (size / 6);
    }
    expect(summed).toBeCloseTo(full.dataSync()[0] as number, 6);
    step.dispose();
    tf.dispose([targets, all, full]);
  });

  it('the distillation hard term uses the run loss', () => {
    tf.tidy(() => {
      const studentProbabilities = tf.tensor2d(probabilities);
      const targets = tf.tensor2d(oneHot([0, 1], 2));
      const settings: HardLabelLoss = { loss: crossEntropy(), labelSmoothing: 0.2 };
      const { hard } = distillationLoss({
        studentProbabilities,
        teacherLogits: tf.tensor2d([
          [1, 0],
          [0, 1],
        ]),
        targets,
        temperature: 2,
        alpha: 0.5,
        hardLoss: (p, t) =>
          hardLabelLoss({ probabilities: p, targets: t, activation: 'softmax', settings }),
      });
      // Smoothed targets [0.9, 0.1] and [0.1, 0.9].
      const expected =
        -(0.9 * Math.log(0.8) + 0.1 * Math.log(0.2) + 0.1 * Math.log(0.3) + 0.9 * Math.log(0.7)) /
        2;
      expect(hard.dataSync()[0]).toBeCloseTo(expected, 6);
    });
  });

  it('creates no tensors beyond its result', async () => {
    const probabilitiesTensor = tf.tensor2d(fixture.probabilities);
    const targets = tf.tensor2d(fixture.softTargets);
    await expectNoTensorLeaks(() =>
      hardLabelLoss({
        probabilities: probabilitiesTensor,
        targets,
        activation: 'softmax',
        settings: {
          loss: focalLoss({ alpha: [1, 1, 2, 2] }),
          classWeights: [1, 2, 3, 4],
          labelSmoothing: 0.1,
        },
      }),
    );
    tf.dispose([probabilitiesTensor, targets]);
  });
});

describe('loss registry and settings', () => {
  it('lists cross-entropy and focal, builds from a config, and rejects unknown names listing them', () => {
    expect(classificationLossNames()).toEqual(expect.arrayContaining(['cross-entropy', 'focal']));
    expect(createClassificationLoss({ name: 'focal', gamma: 3 }).getConfig()).toEqual({
      name: 'focal',
      gamma: 3,
    });
    expect(() => createClassificationLoss({ name: 'hinge' })).toThrow(UnknownNameError);
    expect(() => createClassificationLoss({ name: 'hinge' })).toThrow(
      /cross-entropy.*focal|focal.*cross-entropy/,
    );
    expect(() => createClassificationLoss({ name: 'focal', gama: 2 })).toThrow(/gamma, alpha/);
  });

  it('plain cross-entropy resolves to the default path; sigmoid heads take smoothing only', () => {
    const run = { classNames: ['a', 'b'], labels: () => [0, 1] };
    expect(resolveHardLabelLoss({ ...run, head: { activation: 'softmax' } })).toBeUndefined();
    expect(
      resolveHardLabelLoss({ ...run, head: { activation: 'sigmoid' }, labelSmoothing: 0.1 }),
    ).toMatchObject({ labelSmoothing: 0.1 });
    expect(() =>
      resolveHardLabelLoss({ ...run, head: { activation: 'sigmoid' }, classWeight: 'balanced' }),
    ).toThrow(/softmax/);
    expect(() =>
      resolveHardLabelLoss({ ...run, head: { activation: 'softmax' }, labelSmoothing: 1 }),
    ).toThrow(/labelSmoothing/);
  });
});

describe('train with class weights, focal loss and label smoothing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('learns, reports balanced accuracy and macro-F1, and leaks no tensors', async () => {
    const trainData = new ColourDataset({ count: 30, seed: 3, noise: 30 });
    const validationData = new ColourDataset({ count: 15, seed: 4, noise: 30 });
    const run = async () => {
      const backbone = tinyBackbone({ featureDim: 16 });
      const head = denseHead({ featureDim: 16, numClasses: 3 });
      const optimizer = adam({ learningRate: 0.05 });
      try {
        return await train({
          backbone,
          head,
          trainData,
          validationData,
          mode: 'feature-extraction',
          epochs: 6,
          batchSize: 8,
          optimizer,
          loss: focalLoss({ gamma: 2 }),
          classWeight: { class_2: 3 },
          labelSmoothing: 0.1,
        });
      } finally {
        optimizer.dispose();
        backbone.dispose();
        head.dispose();
      }
    };
    const result = await expectNoTensorLeaks(run, { dispose: () => {} });
    const first = result.history[0] as Record<string, number>;
    const last = result.history[result.history.length - 1] as Record<string, number>;
    expect(last.loss).toBeLessThan(first.loss as number);
    expect(last.val_balanced_accuracy).toBe(result.validation?.balancedAccuracy);
    expect(last.val_macro_f1).toBe(result.validation?.macroF1);
    expect(result.validation?.balancedAccuracy).toBeGreaterThan(0.34);
  });
});

describe('train with class weights across micro-batches', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('micro-batches give the same fine-tuning step as one full batch, and the weights matter', async () => {
    // 13 images: classes 0/1/2 appear 5/4/4 times, so the batch's target weight is uneven.
    const trainData = new ColourDataset({ count: 13, seed: 5 });
    const weightsAfter = async (microBatchSize: number, classWeight?: Record<string, number>) => {
      const backbone = plainBackbone({ featureDim: 8 });
      const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 6 });
      const optimizer = sgd({ learningRate: 0.1 });
      await train({
        backbone,
        head,
        trainData,
        mode: 'fine-tune',
        unfreezeFrom: 'stage2',
        epochs: 1,
        batchSize: 13,
        microBatchSize,
        shuffle: false,
        optimizer,
        ...(classWeight ? { classWeight } : {}),
        labelSmoothing: 0.1,
      });
      const values = [...backbone.model.getWeights(), ...head.model.getWeights()].map((weight) =>
        Array.from(weight.dataSync()),
      );
      optimizer.dispose();
      backbone.dispose();
      head.dispose();
      return values.flat();
    };
    const maxDifference = (a: number[], b: number[]) =>
      Math.max(...a.map((value, index) => Math.abs(value - (b[index] ?? 0))));
    const weights = { class_0: 0.5, class_2: 4 };
    const full = await weightsAfter(13, weights);
    const micro = await weightsAfter(4, weights);
    expect(maxDifference(full, micro)).toBeLessThan(1e-5);
    const unweighted = await weightsAfter(13);
    expect(maxDifference(full, unweighted)).toBeGreaterThan(1e-4);
  });
});
