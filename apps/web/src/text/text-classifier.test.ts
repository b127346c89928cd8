// The playground's text path (app/text-classifier.ts) run in Node on the real USE lite files:
// the weights label it computes is the one @graft/backbones/node gives (so graft train's models
// are accepted), and its probabilities are the classifier's on the padded embedding.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import type { SentenceEncoder } from '@graft/backbones';
import { loadUseLiteFromDirectory, resolveUseLiteDirectory } from '@graft/backbones/node';
import type { Classifier } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openTextEncoder,
  predictTextProbabilities,
  textEncoderReferenceOf,
  useLiteWeightsId,
} from '../../app/text-classifier.js';
import { writeTextClassifier } from '../testing/write-text-classifier.js';

const texts = [
  'The compiler crashed while linking the kernel.',
  'Vote for the senator who lowers taxes.',
];

describe('playground text classification (USE lite files, Node cpu backend)', () => {
  let root: string;
  let directory: string;
  let encoder: SentenceEncoder;
  let classifier: Classifier;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await resolveUseLiteDirectory();
    encoder = await loadUseLiteFromDirectory(directory);
    root = await mkdtemp(join(tmpdir(), 'graft-web-text-'));
    await writeTextClassifier({
      runDir: join(root, 'run'),
      classNames: ['computers', 'politics', 'food'],
      weightsId: encoder.weightsId,
      seed: 3,
    });
    classifier = await loadClassifier(join(root, 'run', 'model'));
  });

  afterAll(async () => {
    classifier?.dispose();
    encoder?.dispose();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('computes the weights label @graft/backbones/node gives the same files', async () => {
    const modelJson = new Uint8Array(await readFile(join(directory, 'model.json')));
    const vocabulary = await readFile(join(directory, 'vocab.json'), 'utf8');
    expect(await useLiteWeightsId(modelJson, vocabulary)).toBe(encoder.weightsId);
    expect(await useLiteWeightsId(modelJson, `${vocabulary} `)).not.toBe(encoder.weightsId);
  });

  it('gives the softmax of the head on the zero-padded embedding, leaving no tensors', async () => {
    const embeddings = await encoder.embed(texts);
    const embedded = (await embeddings.array()) as number[][];
    embeddings.dispose();
    // The head's dense weights ([513, classes] kernel, bias), applied by hand.
    const dense = classifier.model.layers.at(-1) as { getWeights(): tf.Tensor[] };
    const [kernelTensor, biasTensor] = dense.getWeights();
    const kernel = (await (kernelTensor as tf.Tensor).array()) as number[][];
    const bias = (await (biasTensor as tf.Tensor).data()) as Float32Array;
    const expected = embedded.flatMap((row) => {
      const padded = [...row, 0];
      const logits = [...bias].map(
        (b, column) =>
          b +
          padded.reduce(
            (sum, value, index) => sum + value * (kernel[index]?.[column] ?? Number.NaN),
            0,
          ),
      );
      const top = Math.max(...logits);
      const exponentials = logits.map((logit) => Math.exp(logit - top));
      const total = exponentials.reduce((sum, value) => sum + value, 0);
      return exponentials.map((value) => value / total);
    });

    await predictTextProbabilities(classifier, encoder, texts); // warm-up
    const before = tf.memory().numTensors;
    const probabilities = await predictTextProbabilities(classifier, encoder, texts);
    expect(tf.memory().numTensors).toBe(before);
    expect(probabilities).toHaveLength(texts.length * 3);
    // The scaled head is far from uniform: a layout error would move these by far more than 1e-5.
    expect(Math.max(...probabilities)).toBeGreaterThan(0.6);
    for (const [index, value] of expected.entries()) {
      expect(Math.abs((probabilities[index] as number) - value)).toBeLessThan(1e-5);
    }
  });

  it('refuses encoder files other than the ones the model was trained on, before loading weights', async () => {
    const reference = textEncoderReferenceOf(classifier.metadata);
    expect(reference?.weightsId).toBe(encoder.weightsId);
    let loaded = false;
    const loadModel = async () => {
      loaded = true;
      throw new Error('not reached');
    };
    await expect(
      openTextEncoder({
        reference: reference as NonNullable<typeof reference>,
        modelJson: new TextEncoder().encode('{"other":true}'),
        vocabularyText: '[]',
        loadModel,
      }),
    ).rejects.toThrow(
      `trained on ${encoder.weightsId} embeddings, but the encoder files are use-lite:sha256:`,
    );
    await expect(
      openTextEncoder({
        reference: { ...(reference as NonNullable<typeof reference>), name: 'my-encoder' },
        modelJson: new Uint8Array(),
        vocabularyText: '[]',
        loadModel,
      }),
    ).rejects.toThrow('trained on the text encoder "my-encoder"');
    expect(loaded).toBe(false);
  });

  it('tells image classifiers and malformed references apart', () => {
    expect(textEncoderReferenceOf({ userMetadata: {} })).toBeUndefined();
    expect(() => textEncoderReferenceOf({ userMetadata: { textEncoder: { name: 3 } } })).toThrow(
      'userMetadata.textEncoder: expected name and weightsId strings, received {"name":3}',
    );
  });
});
