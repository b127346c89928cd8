import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomImages, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateHead, calibrationTemperature } from '../calibration/temperature-scaling.js';
import { composeClassifier } from '../classifier/compose-classifier.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { loadClassifier, saveClassifier } from './classifier-files.js';

describe('calibrated classifiers on disk', () => {
  let directory = '';
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-calibrated-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips the temperature and the calibrated probabilities; files without one read T = 1', async () => {
    const backbone = tinyBackbone({ featureDim: 8, seed: 2 });
    const head = denseHead({ featureDim: 8, numClasses: 3, seed: 6 });
    // A sharpened head (logits × 4) so the fitted temperature is far from 1.
    const output = head.model.getLayer('head_output');
    tf.tidy(() => output.setWeights(output.getWeights().map((weight) => tf.mul(weight, 4))));
    const uncalibrated = join(directory, 'plain');
    await saveClassifier({ directory: uncalibrated, backbone, head, classNames: ['a', 'b', 'c'] });
    const data = new ColourDataset({ count: 30, seed: 8, noise: 120 });
    const result = await calibrateHead({ backbone, head, data });
    expect(result.applied).toBe(true);
    const calibrated = join(directory, 'calibrated');
    await saveClassifier({
      directory: calibrated,
      backbone,
      head,
      classNames: ['a', 'b', 'c'],
      ...(result.metadata ? { calibration: result.metadata } : {}),
    });
    const written = JSON.parse(await readFile(join(calibrated, 'metadata.json'), 'utf8'));
    expect(written.graft.calibration).toEqual(JSON.parse(JSON.stringify(result.metadata)));

    const loaded = await loadClassifier(calibrated);
    const old = await loadClassifier(uncalibrated);
    expect(calibrationTemperature(loaded.metadata)).toBe(result.fit.temperature);
    expect(calibrationTemperature(old.metadata)).toBe(1);
    // An older file: no `calibration` key at all (written before this field existed).
    const oldMetadata = JSON.parse(await readFile(join(uncalibrated, 'metadata.json'), 'utf8'));
    expect(oldMetadata.graft.calibration).toBeUndefined();

    const images = randomImages({ count: 3, size: [16, 16], seed: 1 });
    const composed = composeClassifier({ backbone, head });
    const expected = tf.tidy(
      () => composed.predict(tf.div(tf.sub(images, 127.5), 127.5)) as tf.Tensor,
    );
    const fromFile = loaded.predictProbabilities(images);
    const fromOld = old.predictProbabilities(images);
    // The saved weights apply T: loading gives the calibrated probabilities with no extra step,
    // which differ from the uncalibrated file's.
    expect(tf.max(tf.abs(tf.sub(fromFile, expected))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(fromFile, fromOld))).dataSync()[0]).toBeGreaterThan(1e-3);
    // softmax(log p_old / T) = the calibrated probabilities: the file applies exactly T.
    const recalibrated = tf.softmax(tf.div(tf.log(fromOld), result.fit.temperature));
    expect(tf.max(tf.abs(tf.sub(recalibrated, fromFile))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([images, expected, fromFile, fromOld, recalibrated]);
    loaded.dispose();
    old.dispose();
    backbone.dispose();
    head.dispose();
  });
});
