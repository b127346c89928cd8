import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeImages } from '@graft/core';
import { expectNoTensorLeaks, randomImages, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../evaluation/evaluate.js';
import { adam } from '../optimizers/adam.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { loadClassifier, saveClassifier } from './classifier-files.js';

describe('saved classifiers', () => {
  let directory = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-classifier-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('trains, evaluates, saves, loads and predicts like the trained models', async () => {
    const trainData = new ColourDataset({ count: 48, seed: 1, noise: 40 });
    const validationData = new ColourDataset({ count: 24, seed: 2, noise: 40 });
    const backbone = tinyBackbone({ featureDim: 16 });
    const head = denseHead({ featureDim: 16, numClasses: 3, hidden: 8 });
    const optimizer = adam({ learningRate: 0.05 });
    const result = await train({
      backbone,
      head,
      trainData,
      validationData,
      mode: 'feature-extraction',
      epochs: 12,
      batchSize: 4,
      optimizer,
    });
    const report = await evaluate({ backbone, head, data: validationData, batchSize: 10 });
    expect(report.accuracy).toBeGreaterThan(0.85);
    // Evaluating through the backbone agrees with the cached-feature validation of the trainer.
    expect(report.accuracy).toBeCloseTo(result.validation?.accuracy ?? -1, 6);
    expect(report.loss).toBeCloseTo(result.validation?.loss ?? -1, 4);
    expect(report.confusionMatrix.flat().reduce((sum, value) => sum + value, 0)).toBe(24);
    expect(report.misclassified.length).toBe(Math.round(24 * (1 - report.accuracy)));

    const saved = await saveClassifier({
      directory,
      backbone,
      head,
      classNames: trainData.classNames,
      optimizer,
      training: { mode: 'feature-extraction', epochs: 12 },
      metrics: { accuracy: report.accuracy, loss: report.loss },
    });
    expect(saved.bytes).toBeGreaterThan(0);
    const metadata = JSON.parse(await readFile(join(directory, 'metadata.json'), 'utf8'));
    expect(metadata.labels).toEqual(['class_0', 'class_1', 'class_2']);
    expect(metadata.imageSize).toBe(16);
    expect(metadata.graft.backbone.weightsId).toBe(backbone.weightsId);
    expect(metadata.graft.preprocessing.inputRange).toEqual([-1, 1]);
    const modelJson = JSON.parse(await readFile(join(directory, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);

    const images = randomImages({ count: 5, size: [16, 16], seed: 3 });
    const expected = tf.tidy(() =>
      head.model.predict(
        backbone.model.predict(normalizeImages(images, backbone.preprocessing)) as tf.Tensor,
      ),
    ) as tf.Tensor;
    const expectedValues = await expected.data();
    expected.dispose();
    optimizer.dispose();
    backbone.dispose();
    head.dispose();

    const classifier = await loadClassifier(directory);
    const probabilities = classifier.predictProbabilities(images);
    const values = await probabilities.data();
    probabilities.dispose();
    const difference = Math.max(
      ...Array.from(values, (value, index) => Math.abs(value - (expectedValues[index] ?? 0))),
    );
    expect(difference).toBeLessThan(1e-5);
    const top = await classifier.predict(images, { topK: 2 });
    expect(top).toHaveLength(5);
    expect(top[0]).toHaveLength(2);
    expect(top[0]?.[0]?.probability).toBeGreaterThanOrEqual(top[0]?.[1]?.probability ?? 1);
    // A larger image is resized by the stored policy.
    const large = randomImages({ count: 1, size: [32, 24] });
    const [largePredictions] = await classifier.predict(large, { topK: 1 });
    expect(trainData.classNames).toContain(largePredictions?.[0]?.label);
    await expectNoTensorLeaks(() => classifier.predict(images, { topK: 1 }));
    tf.dispose([images, large]);
    classifier.dispose();
  });
});
