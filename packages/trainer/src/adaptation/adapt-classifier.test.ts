import '@tensorflow/tfjs-backend-cpu';
import { UnknownNameError } from '@graft/core';
import { expectNoTensorLeaks, randomImages, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../classifier/classifier.js';
import { exportClassifier } from '../classifier/export-classifier.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import {
  type AdaptedClassifierMetadata,
  adaptationMethodNames,
  adaptClassifier,
} from './adapt-classifier.js';

function sourceClassifier() {
  const backbone = tinyBackbone({ featureDim: 8 });
  const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 4 });
  const { model, metadata } = exportClassifier({
    backbone,
    head,
    classNames: ['class_0', 'class_1', 'class_2'],
  });
  return { backbone, head, classifier: new Classifier({ model, metadata }) };
}

async function movingStatistics(classifier: Classifier): Promise<number[]> {
  const values: number[] = [];
  for (const weight of classifier.model.weights) {
    if (/moving_/.test(weight.originalName)) values.push(...(await weight.read().data()));
  }
  return values;
}

describe('adaptClassifier', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('adapts a copy, records the adaptation, leaves the source classifier alone', async () => {
    const { backbone, head, classifier } = sourceClassifier();
    const sourceStatistics = await movingStatistics(classifier);
    const target = new ColourDataset({ count: 10, seed: 3, noise: 120 });
    const images = randomImages({ count: 4, size: [16, 16], seed: 9 });
    const sourceBefore = classifier.predictProbabilities(images);
    const result = await adaptClassifier({
      classifier,
      data: target,
      batchSize: 4,
      details: { target: 'colour dataset' },
    });
    const adapted = result.classifier;
    expect(await movingStatistics(classifier)).toEqual(sourceStatistics);
    const adaptedStatistics = await movingStatistics(adapted);
    expect(adaptedStatistics).not.toEqual(sourceStatistics);
    expect(adaptedStatistics.length).toBe(sourceStatistics.length);
    // Same non-BatchNorm weights.
    const sourceOthers = classifier.model.weights.filter((w) => !/moving_/.test(w.originalName));
    const adaptedOthers = adapted.model.weights.filter((w) => !/moving_/.test(w.originalName));
    expect(adaptedOthers.length).toBe(sourceOthers.length);
    for (const [index, weight] of sourceOthers.entries()) {
      const copy = adaptedOthers[index];
      if (!copy) throw new Error(`missing weight ${weight.originalName}`);
      expect(Array.from(await copy.read().data())).toEqual(Array.from(await weight.read().data()));
    }
    const metadata = adapted.metadata as AdaptedClassifierMetadata;
    expect(metadata.labels).toEqual(classifier.labels);
    expect(metadata.graft.adaptation).toHaveLength(1);
    expect(metadata.graft.adaptation?.[0]).toMatchObject({
      method: 'adabn',
      images: 10,
      details: { target: 'colour dataset' },
      report: { layersAdapted: 2, imagesSeen: 10 },
    });
    expect((classifier.metadata as AdaptedClassifierMetadata).graft.adaptation).toBeUndefined();
    // The source classifier predicts as before; the adapted one predicts differently.
    const sourceAfter = classifier.predictProbabilities(images);
    const adaptedOutput = adapted.predictProbabilities(images);
    expect(Array.from(await sourceAfter.data())).toEqual(Array.from(await sourceBefore.data()));
    expect(Array.from(await adaptedOutput.data())).not.toEqual(
      Array.from(await sourceBefore.data()),
    );
    tf.dispose([images, sourceBefore, sourceAfter, adaptedOutput]);
    adapted.dispose();
    backbone.dispose();
    head.dispose();
  });

  it('leaves no tensor behind once the adapted classifier is disposed', async () => {
    const { backbone, head, classifier } = sourceClassifier();
    const target = new ColourDataset({ count: 6, seed: 5 });
    await expectNoTensorLeaks(async () => {
      const { classifier: adapted } = await adaptClassifier({ classifier, data: target });
      adapted.dispose();
    });
    backbone.dispose();
    head.dispose();
  });

  it('lists the registered methods and rejects unknown ones, leaking nothing', async () => {
    const { backbone, head, classifier } = sourceClassifier();
    expect(adaptationMethodNames()).toContain('adabn');
    const target = new ColourDataset({ count: 4, seed: 3 });
    const before = tf.memory().numTensors;
    const failure = await adaptClassifier({ classifier, data: target, method: 'coral' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UnknownNameError);
    expect(String((failure as Error).message)).toContain('adabn');
    await expect(
      adaptClassifier({ classifier, data: target, options: { strategy: 'ema' } }),
    ).rejects.toThrow(/one-pass, progressive/);
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
    head.dispose();
  });
});
