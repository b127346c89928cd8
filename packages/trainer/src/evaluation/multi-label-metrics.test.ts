import '@tensorflow/tfjs-backend-cpu';
import type { BatchOptions, ImageBatch, ImageDataset } from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../classifier/classifier.js';
import { exportClassifier } from '../classifier/export-classifier.js';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { correctCount } from '../training/loss.js';
import { train } from '../training/train.js';
import { computeMetrics } from './metrics.js';
import { computeMultiLabelMetrics } from './multi-label-metrics.js';

// Four rows, labels a b c. Predictions at 0.5: {a,c} {b} {a,b} {c}; truth: {a,c} {a,b} {b} {c}.
const probabilities = new Float32Array([
  0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.8, 0.6, 0.3, 0.1, 0.1, 0.55,
]);
const targets = new Float32Array([1, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1]);
const classNames = ['a', 'b', 'c'];

describe('computeMultiLabelMetrics', () => {
  it('matches hand-computed values at 0.5', () => {
    const metrics = computeMultiLabelMetrics({ probabilities, targets, classNames });
    expect(metrics.threshold).toBe(0.5);
    expect(metrics.exactMatch).toBe(2 / 4);
    expect(metrics.hammingAccuracy).toBeCloseTo(10 / 12, 12);
    // a: 1 TP of 2 predicted, 2 actual; b and c: 2 of 2 and 2.
    expect(
      metrics.perLabel.map(({ precision, recall, f1, support }) => [
        precision,
        recall,
        f1,
        support,
      ]),
    ).toEqual([
      [0.5, 0.5, 0.5, 2],
      [1, 1, 1, 2],
      [1, 1, 1, 2],
    ]);
    expect(metrics.microPrecision).toBeCloseTo(5 / 6, 12);
    expect(metrics.microRecall).toBeCloseTo(5 / 6, 12);
    expect(metrics.microF1).toBeCloseTo(5 / 6, 12);
    expect(metrics.macroF1).toBeCloseTo(2.5 / 3, 12);
    expect(metrics.labelsPerImage).toEqual({ true: 1.5, predicted: 1.5 });
  });

  it('follows the threshold, with 0 for an undefined precision', () => {
    const metrics = computeMultiLabelMetrics({
      probabilities,
      targets,
      classNames,
      threshold: 0.65,
    });
    // Predictions: {a} {b} {a} {}.
    expect(metrics.exactMatch).toBe(0);
    expect(metrics.perLabel.map(({ precision, recall }) => [precision, recall])).toEqual([
      [0.5, 0.5],
      [1, 0.5],
      [0, 0],
    ]);
    expect(metrics.perLabel[1]?.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.microPrecision).toBeCloseTo(2 / 3, 12);
    expect(metrics.microRecall).toBeCloseTo(2 / 6, 12);
    expect(metrics.microF1).toBeCloseTo(4 / 9, 12);
    expect(() =>
      computeMultiLabelMetrics({ probabilities, targets, classNames, threshold: 1 }),
    ).toThrow(/threshold.*must be a number in \(0, 1\)/);
  });

  it('is what computeMetrics reports for a sigmoid head, with binary cross-entropy', () => {
    const report = computeMetrics({ probabilities, targets, classNames, activation: 'sigmoid' });
    expect(report.accuracy).toBe(0.5);
    expect(report.macroF1).toBeCloseTo(2.5 / 3, 12);
    expect(report.multiLabel?.hammingAccuracy).toBeCloseTo(10 / 12, 12);
    expect(report.perClass.map((entry) => entry.className)).toEqual(classNames);
    expect(report.confusionMatrix).toEqual([]);
    let expected = 0;
    probabilities.forEach((p, index) => {
      const t = targets[index] as number;
      expected -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    });
    expect(report.loss).toBeCloseTo(expected / 12, 6);
  });
});

describe('correctCount', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('counts exact matches for a sigmoid head, arg-max hits for softmax, without leaks', async () => {
    const p = tf.tensor2d(probabilities, [4, 3]);
    const t = tf.tensor2d(targets, [4, 3]);
    await expectNoTensorLeaks(() => correctCount(p, t, 'sigmoid'));
    const sigmoid = correctCount(p, t, 'sigmoid');
    expect((await sigmoid.data())[0]).toBe(2);
    sigmoid.dispose();
    // Arg-max: rows 0 (a=a), 1 (b vs a: miss), 2 (a vs b: miss), 3 (c=c).
    const softmax = correctCount(p, t);
    expect((await softmax.data())[0]).toBe(2);
    tf.dispose([p, t, softmax]);
  });
});

/** Colours 0 red, 1 blue, 2 green with a fourth label `not_blue`: two labels on red and green. */
class TwoLabelColours implements ImageDataset {
  readonly classNames = ['red', 'blue', 'green', 'not_blue'];
  constructor(private readonly colours: ColourDataset) {}
  get size() {
    return this.colours.size;
  }
  labels() {
    return this.colours.labels();
  }
  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    for await (const batch of this.colours.batches(options)) {
      const labels = tf.tidy(() => {
        const oneHot = tf.oneHot(batch.labels as tf.Tensor1D, 3);
        const notBlue = tf.sub(1, tf.slice(oneHot, [0, 1], [-1, 1]));
        return tf.concat([tf.cast(oneHot, 'float32'), notBlue], 1) as tf.Tensor2D;
      });
      batch.labels.dispose();
      yield { ...batch, labels };
    }
  }
}

describe('multi-label training', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains a sigmoid head on multi-hot targets and logs the multi-label validation metrics', async () => {
    const trainData = new TwoLabelColours(new ColourDataset({ count: 48, seed: 1, noise: 40 }));
    const validationData = new TwoLabelColours(
      new ColourDataset({ count: 24, seed: 2, noise: 40 }),
    );
    const backbone = tinyBackbone({ featureDim: 16 });
    const head = denseHead({ featureDim: 16, numClasses: 4, activation: 'sigmoid' });
    const before = tf.memory().numTensors;
    const optimizer = adam({ learningRate: 0.05 });
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      epochs: 30,
      batchSize: 8,
      optimizer,
      threshold: 0.5,
    });
    optimizer.dispose();
    // Every tensor of the run is released (the optimiser's slots just above).
    expect(tf.memory().numTensors).toBe(before);
    const last = result.history.at(-1) ?? {};
    for (const key of ['val_hamming_accuracy', 'val_micro_f1', 'val_macro_f1', 'val_accuracy']) {
      expect(last[key], key).toBeGreaterThanOrEqual(0);
    }
    const metrics = result.validation?.multiLabel;
    // Chance: exact match of 4 independent coin flips is 1/16, Hamming accuracy 1/2.
    expect(metrics?.exactMatch).toBeGreaterThan(0.5);
    expect(metrics?.hammingAccuracy).toBeGreaterThan(0.75);
    expect(result.validation?.accuracy).toBe(metrics?.exactMatch);
    expect(last.val_micro_f1).toBe(metrics?.microF1);
    // Training accuracy is exact-match too (correctCount with the head's activation).
    expect(last.accuracy).toBeGreaterThan(0.5);

    const { model, metadata } = exportClassifier({
      backbone,
      head,
      classNames: trainData.classNames,
      threshold: 0.4,
    });
    expect(metadata.graft.activation).toBe('sigmoid');
    expect(metadata.graft.threshold).toBe(0.4);
    const classifier = new Classifier({ model, metadata });
    expect(classifier.multiLabel).toBe(true);
    expect(classifier.threshold).toBe(0.4);
    const images = tf.fill([2, 16, 16, 3], 128) as tf.Tensor4D;
    const all = await classifier.predict(images);
    const over = await classifier.predict(images, { threshold: 0.4 });
    images.dispose();
    expect(over[0]).toEqual(all[0]?.filter((entry) => entry.probability >= 0.4));
    expect(() =>
      exportClassifier({ backbone, head, classNames: trainData.classNames, threshold: 2 }),
    ).toThrow(/threshold/);
    backbone.dispose();
    head.dispose();
  });

  it('records no threshold for a softmax model', () => {
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const { metadata } = exportClassifier({ backbone, head, classNames: ['x', 'y', 'z'] });
    expect(metadata.graft.threshold).toBeUndefined();
    expect(new Classifier({ model: head.model, metadata }).threshold).toBeUndefined();
    backbone.dispose();
    head.dispose();
  });
});
