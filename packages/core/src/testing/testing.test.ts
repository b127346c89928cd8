import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeaks } from './expect-no-tensor-leaks.js';
import { randomImages, tinyBackbone } from './tiny-backbone.js';

describe('testing helpers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('expectNoTensorLeaks catches a leak and passes clean code', async () => {
    const kept: tf.Tensor[] = [];
    await expect(expectNoTensorLeaks(() => void kept.push(tf.scalar(1)))).rejects.toThrow(
      /Tensor leak: 2 tensor/,
    );
    tf.dispose(kept);
    await expect(
      expectNoTensorLeaks(() => tf.tidy(() => tf.add(tf.scalar(1), 1))),
    ).resolves.toBeDefined();
  });

  it('tinyBackbone fulfils the Backbone contract', async () => {
    const backbone = tinyBackbone({ inputSize: [16, 16], featureDim: 6 });
    const images = randomImages({ count: 3, size: [16, 16] });
    const features = backbone.model.predict(images) as tf.Tensor;
    expect(features.shape).toEqual([3, 6]);
    expect(backbone.featureDim).toBe(6);
    backbone.freeze();
    expect(backbone.model.trainableWeights).toHaveLength(0);
    backbone.unfreeze({ from: 'stage2' });
    const trainable = backbone.model.trainableWeights.map((weight) => weight.originalName);
    expect(trainable.every((name) => name.startsWith('stage2'))).toBe(true);
    expect(trainable.length).toBeGreaterThan(0);
    tf.dispose([images, features]);
    await expectNoTensorLeaks(() =>
      tf.tidy(() => backbone.model.predict(randomImages({ count: 1, size: [16, 16] }))),
    );
    backbone.dispose();
  });
});
