import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureTable } from '../features/extract-features.js';
import { calibratedSample } from '../testing/calibrated-sample.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { softmaxWithTemperature } from './fit-temperature.js';
import {
  applyTemperature,
  calibrateHead,
  calibrationTemperature,
  headLogits,
} from './temperature-scaling.js';

/**
 * Features that are a calibrated model's logits (labels drawn from their softmax), and a linear
 * head computing `factor × features`: a calibrated model whose logits were multiplied by `factor`.
 */
function overconfidentModel(rows: number, classes: number, factor: number) {
  const { logits: features, labels } = calibratedSample(rows, classes, 5);
  const targets = new Float32Array(rows * classes);
  labels.forEach((label, row) => {
    targets[row * classes + label] = 1;
  });
  const head = denseHead({ featureDim: classes, numClasses: classes });
  const output = head.model.getLayer('head_output');
  tf.tidy(() => output.setWeights([tf.mul(tf.eye(classes), factor), tf.zeros([classes])]));
  const table: FeatureTable = {
    count: rows,
    featureDim: classes,
    numClasses: classes,
    features,
    targets,
    labels,
    sources: [],
  };
  return { head, table };
}

describe('temperature scaling', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('recovers a known factor k from a calibrated model whose logits were multiplied by k, and undoes it', async () => {
    for (const factor of [2.5, 0.6]) {
      const { head, table } = overconfidentModel(3000, 3, factor);
      const result = await calibrateHead({ backbone: tinyBackbone(), head, table });
      expect(result.applied).toBe(true);
      expect(Math.abs(result.fit.temperature / factor - 1)).toBeLessThan(0.05);
      expect(result.expectedCalibrationError.after).toBeLessThan(
        result.expectedCalibrationError.before,
      );
      expect(result.metadata).toMatchObject({
        method: 'temperature-scaling',
        appliedTo: 'output-layer-weights',
        images: 3000,
        bins: 15,
      });
      // The head now computes (k / T) × features: the calibrated logits again.
      const kernel = head.model.getLayer('head_output').getWeights()[0] as tf.Tensor;
      const diagonal = (await kernel.array()) as number[][];
      expect(diagonal[1]?.[1]).toBeCloseTo(factor / result.fit.temperature, 5);
      const probabilities = tf.tidy(
        () => head.model.predict(tf.tensor2d(table.features, [3000, 3])) as tf.Tensor,
      );
      const expected = softmaxWithTemperature(table.features, 3, result.fit.temperature / factor);
      const actual = (await probabilities.data()) as Float32Array;
      probabilities.dispose();
      for (let index = 0; index < expected.length; index++) {
        expect(Math.abs((actual[index] as number) - (expected[index] as number))).toBeLessThan(
          1e-5,
        );
      }
      head.dispose();
    }
  });

  it('headLogits are the pre-softmax outputs of a head with a hidden layer', async () => {
    const head = denseHead({ featureDim: 6, numClasses: 4, hidden: 5, seed: 3 });
    const features = tf.randomNormal([7, 6], 0, 1, 'float32', 1) as tf.Tensor2D;
    await expectNoTensorLeaks(() => headLogits(head, features));
    const logits = headLogits(head, features);
    const fromLogits = tf.softmax(logits);
    const probabilities = head.model.predict(features) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(fromLogits, probabilities))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([logits, fromLogits, probabilities, features]);
    head.dispose();
  });

  it('applyTemperature divides the logits by T; sigmoid heads and bad T are refused', () => {
    const head = denseHead({ featureDim: 4, numClasses: 3, seed: 2 });
    const features = tf.randomNormal([5, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
    const before = headLogits(head, features);
    applyTemperature(head.model, 2);
    const after = headLogits(head, features);
    expect(tf.max(tf.abs(tf.sub(tf.div(before, 2), after))).dataSync()[0]).toBeLessThan(1e-6);
    expect(() => applyTemperature(head.model, 0)).toThrow(/temperature.*> 0/s);
    const sigmoid = denseHead({ featureDim: 4, numClasses: 3, activation: 'sigmoid' });
    expect(() => applyTemperature(sigmoid.model, 2)).toThrow(/softmax/);
    tf.dispose([features, before, after]);
    head.dispose();
    sigmoid.dispose();
  });

  it('calibrates from images through the backbone without leaking tensors', async () => {
    const backbone = tinyBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3, seed: 4 });
    const data = new ColourDataset({ count: 24, seed: 3, noise: 60 });
    const result = await expectNoTensorLeaks(() => calibrateHead({ backbone, head, data }));
    expect(result.metadata?.images ?? 24).toBe(24);
    expect(result.reliability.before).toHaveLength(15);
    head.dispose();
    backbone.dispose();
  });

  it('reads the temperature from metadata, 1 for models saved without one', () => {
    const graft = { formatVersion: 2 } as never;
    expect(calibrationTemperature({ graft } as never)).toBe(1);
    expect(calibrationTemperature({ graft: { calibration: { temperature: 1.8 } } } as never)).toBe(
      1.8,
    );
  });
});
