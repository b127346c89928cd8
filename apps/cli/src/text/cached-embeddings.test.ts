import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sentenceEncoderFromFunction } from '@graft/backbones';
import { DiskFeatureStore } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedEmbeddings } from './cached-embeddings.js';

let directory: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'graft-text-embeddings-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('cachedEmbeddings', () => {
  it('embeds each distinct text once, and a second process reads them from the disk store', async () => {
    const embedded: string[] = [];
    const encoder = sentenceEncoderFromFunction({
      name: 'test-lengths',
      featureDim: 2,
      embed: async (texts) => {
        embedded.push(...texts);
        return tf.tensor2d(
          texts.map((text) => [text.length, text.split(' ').length]),
          [texts.length, 2],
        );
      },
    });
    const store = () => new DiskFeatureStore({ directory, namespace: 'test' });
    const texts = ['one two', 'three', 'one two'];
    const first = await cachedEmbeddings(encoder, store())(texts);
    expect([...first]).toEqual([7, 2, 5, 1, 7, 2]);
    expect(embedded).toEqual(['one two', 'three']);

    // A new cache (another process) over the same folder: nothing is embedded again.
    const tensors = tf.memory().numTensors;
    const second = await cachedEmbeddings(encoder, store())([...texts, 'four five six']);
    expect([...second]).toEqual([7, 2, 5, 1, 7, 2, 13, 3]);
    expect(embedded).toEqual(['one two', 'three', 'four five six']);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
