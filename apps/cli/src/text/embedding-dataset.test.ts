import '@tensorflow/tfjs-backend-cpu';
import { sentenceEncoderFromFunction } from '@graft/backbones';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { embeddingBackbone } from './embedding-backbone.js';
import { EmbeddingDataset, embeddingsToImages } from './embedding-dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('embeddings as one-row images', () => {
  it('pads to a multiple of 3, and the identity backbone gives the embedding back', () => {
    const encoder = sentenceEncoderFromFunction({
      name: 'five',
      featureDim: 5,
      embed: async () => tf.zeros([0, 5]),
    });
    const backbone = embeddingBackbone(encoder);
    const before = tf.memory().numTensors;
    const features = tf.tidy(() => {
      const images = embeddingsToImages(tf.tensor2d([[1, -2, 3, 0.5, 9]]));
      expect(images.shape).toEqual([1, 1, 2, 3]);
      return backbone.model.predict(images) as tf.Tensor2D;
    });
    expect(Array.from(features.dataSync())).toEqual([1, -2, 3, 0.5, 9, 0]);
    expect(backbone.featureDim).toBe(6);
    features.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => backbone.unfreeze()).toThrow(/feature-extraction/);
    backbone.dispose();
  });

  it('serves rows with labels and keys in order, or shuffled by seed and epoch', async () => {
    const dataset = new EmbeddingDataset({
      classNames: ['a', 'b'],
      embeddings: Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]),
      featureDim: 2,
      labels: [0, 1, 0, 1],
      keys: ['k0', 'k1', 'k2', 'k3'],
      sources: ['s0', 's1', 's2', 's3'],
    });
    const rows = async (options: { shuffle?: boolean; epoch?: number }) => {
      const keys: string[] = [];
      for await (const batch of dataset.batches({ batchSize: 3, seed: 1, ...options })) {
        const pixels = batch.images.dataSync();
        const labels = batch.labels.dataSync();
        batch.keys?.forEach((key, index) => {
          // The first value of each image is the row's own number, its label follows the row.
          expect(key).toBe(`k${pixels[index * 3]}`);
          expect(labels[index]).toBe(Number(pixels[index * 3]) % 2);
        });
        keys.push(...(batch.keys ?? []));
        tf.dispose([batch.images, batch.labels]);
      }
      return keys;
    };
    expect(await rows({})).toEqual(['k0', 'k1', 'k2', 'k3']);
    const first = await rows({ shuffle: true, epoch: 0 });
    expect([...first].sort()).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(await rows({ shuffle: true, epoch: 0 })).toEqual(first);
    expect(
      () =>
        new EmbeddingDataset({
          classNames: ['a'],
          embeddings: new Float32Array(3),
          featureDim: 2,
          labels: [0],
          keys: ['k'],
          sources: ['s'],
        }),
    ).toThrow(/embeddings: expected 1 × 2 values/);
  });
});
