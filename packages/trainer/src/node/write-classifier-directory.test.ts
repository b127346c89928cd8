import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomImages, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdaptedClassifierMetadata, adaptClassifier } from '../adaptation/adapt-classifier.js';
import { Classifier } from '../classifier/classifier.js';
import { exportClassifier } from '../classifier/export-classifier.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { loadClassifier, writeClassifierDirectory } from './classifier-files.js';

describe('writeClassifierDirectory', () => {
  let directory = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-adapted-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes an adapted classifier that loadClassifier reads back with the same outputs', async () => {
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 4 });
    const { model, metadata } = exportClassifier({
      backbone,
      head,
      classNames: ['a', 'b', 'c'],
    });
    const { classifier: adapted } = await adaptClassifier({
      classifier: new Classifier({ model, metadata }),
      data: new ColourDataset({ count: 6, seed: 4 }),
    });
    const written = await writeClassifierDirectory({ classifier: adapted, directory });
    expect(written.bytes).toBeGreaterThan(0);
    expect((await readdir(directory)).sort()).toEqual([
      'metadata.json',
      'model.json',
      'weights.bin',
    ]);
    const loaded = await loadClassifier(directory);
    expect((loaded.metadata as AdaptedClassifierMetadata).graft.adaptation?.[0]?.method).toBe(
      'adabn',
    );
    const images = randomImages({ count: 3, size: [16, 16], seed: 5 });
    const expected = adapted.predictProbabilities(images);
    const actual = loaded.predictProbabilities(images);
    expect(Array.from(await actual.data())).toEqual(Array.from(await expected.data()));
    tf.dispose([images, expected, actual]);
    loaded.dispose();
    adapted.dispose();
    backbone.dispose();
    head.dispose();
  });
});
