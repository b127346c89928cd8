import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentenceEncoder } from '../text/sentence-encoder.js';
import { SentencePieceTokenizer, type VocabularyEntry } from '../text/sentence-piece-tokenizer.js';
import { fileSystemIOHandler } from './file-io-handler.js';
import { loadUseLiteFromDirectory, resolveUseLiteDirectory } from './use-lite-files.js';

// The reference: Google's own package for exactly this model and vocabulary (CommonJS).
const require = createRequire(import.meta.url);
const reference = require('@tensorflow-models/universal-sentence-encoder') as {
  Tokenizer: new (vocabulary: VocabularyEntry[]) => { encode(text: string): number[] };
  UniversalSentenceEncoder: new () => {
    model: unknown;
    tokenizer: unknown;
    embed(inputs: string[]): Promise<tf.Tensor2D>;
  };
};

const sentences = [
  'The quick brown fox jumps over the lazy dog.',
  'A fast auburn fox leaps above a sleepy hound.',
  'Interest rates rose by a quarter point on Tuesday.',
  'Ünïcödé, ümlauts & ligatures: ﬁne ½ — naïve café!',
  'Programs must be written for people to read.  Two  spaces.',
  '日本語のテキストと emoji 🙂 mixed in',
  '',
];

describe('use-lite', () => {
  let encoder: SentenceEncoder;
  let vocabulary: VocabularyEntry[];
  let directory: string;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    directory = await resolveUseLiteDirectory();
    vocabulary = require(`${directory}/vocab.json`) as VocabularyEntry[];
    encoder = await loadUseLiteFromDirectory(directory);
  });
  afterAll(() => encoder?.dispose());

  it('tokenises id for id like the reference Tokenizer', () => {
    const ours = new SentencePieceTokenizer({ vocabulary });
    const theirs = new reference.Tokenizer(vocabulary);
    for (const sentence of sentences)
      expect(ours.encode(sentence)).toEqual(theirs.encode(sentence));
    expect(ours.encode('hello world').length).toBeGreaterThan(1);
  });

  it("embeds like the reference package's embed() within 1e-5, without leaking tensors", async () => {
    const texts = sentences.filter((sentence) => sentence.length > 0);
    // The reference class run on the same graph model (its load() would fetch from the web).
    const converter = await import('@tensorflow/tfjs-converter');
    const model = await converter.loadGraphModel(
      fileSystemIOHandler({ modelJsonPath: `${directory}/model.json` }),
    );
    const use = new reference.UniversalSentenceEncoder();
    use.model = model;
    use.tokenizer = new reference.Tokenizer(vocabulary);
    const expected = await use.embed(texts);
    const before = tf.memory().numTensors;
    const actual = await encoder.embed(texts);
    expect(actual.shape).toEqual([texts.length, 512]);
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]);
    expect(difference).toBeLessThan(1e-5);
    actual.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expected.dispose();
    model.dispose();
  });

  it('scores paraphrases closer than unrelated sentences', async () => {
    const embeddings = await encoder.embed([
      'How old are you?',
      'What is your age?',
      'The stock market fell sharply today.',
    ]);
    const rows = embeddings.arraySync();
    embeddings.dispose();
    const cosine = (a: number[], b: number[]) => {
      let dot = 0;
      let normA = 0;
      let normB = 0;
      for (let index = 0; index < a.length; index++) {
        dot += (a[index] as number) * (b[index] as number);
        normA += (a[index] as number) ** 2;
        normB += (b[index] as number) ** 2;
      }
      return dot / Math.sqrt(normA * normB);
    };
    const [age, ageParaphrase, stocks] = rows as [number[], number[], number[]];
    expect(cosine(age, ageParaphrase)).toBeGreaterThan(cosine(age, stocks) + 0.2);
  });

  it('rejects a folder without model.json, naming the package to install', async () => {
    await expect(resolveUseLiteDirectory('/nonexistent-folder')).rejects.toThrow(
      /@energetic-ai\/model-embeddings-en/,
    );
  });
});
