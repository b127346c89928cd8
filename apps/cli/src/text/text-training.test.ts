import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  registerSentenceEncoder,
  sentenceEncoderFromFunction,
  sentenceEncoderRegistry,
} from '@graft/backbones';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';

// A tiny text encoder (letter frequencies), so the test checks the CLI's text path in a second,
// not USE lite's accuracy (tooling/bench and the README report that on the fortunes set).
const letters = 'aeioubcdfg';
const encoderName = 'test-letter-frequencies';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-text-cli-'));
  registerSentenceEncoder(
    {
      name: encoderName,
      description: 'test-only letter frequencies',
      featureDim: letters.length,
      create: async () =>
        sentenceEncoderFromFunction({
          name: encoderName,
          featureDim: letters.length,
          embed: async (texts) =>
            tf.tensor2d(
              texts.map((text) =>
                [...letters].map(
                  (letter) =>
                    [...text].filter((char) => char === letter).length / Math.max(1, text.length),
                ),
              ),
            ),
        }),
    },
    { override: true },
  );
  // Vowel-only words against consonant-only words: separable by the letter frequencies.
  const word = (alphabet: string, index: number, length: number) =>
    Array.from(
      { length },
      (_, position) => alphabet[(index * 7 + position * 3) % alphabet.length],
    ).join('');
  for (const [className, alphabet] of [
    ['vowels', 'aeiou'],
    ['consonants', 'bcdfg'],
  ] as const) {
    const lines = Array.from(
      { length: 20 },
      (_, index) => `${word(alphabet, index, 5)} ${word(alphabet, index + 1, 4)} ${index}`,
    );
    await mkdir(join(directory, 'data', className), { recursive: true });
    // A duplicate line (ignoring case) is dropped once, never split across train and test.
    await writeFile(
      join(directory, 'data', className, 'lines.txt'),
      `${lines.join('\n')}\n${lines[0]?.toUpperCase()}\n`,
    );
  }
});
afterAll(async () => {
  sentenceEncoderRegistry.unregister(encoderName);
  await rm(directory, { recursive: true, force: true });
});

describe('graft train / predict on text', () => {
  it('trains a head on a text encoder and classifies typed text', async () => {
    const out = join(directory, 'run');
    const trained = await run(
      'train',
      join(directory, 'data'),
      '--backbone',
      encoderName,
      '--line-per-example',
      '--split',
      '0.6,0.2,0.2',
      '--epochs',
      '30',
      '--lr',
      '0.05',
      '--class-weight',
      'balanced',
      '--augment',
      'randomSwap:rate=0.2+randomDeletion:probability=0.1',
      '--augmented-passes',
      '2',
      '--out',
      out,
    );
    expect(trained.stderr).toContain('2 duplicate texts left out');
    expect(trained.code).toBe(exitCodes.success);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.examples).toMatchObject({
      train: 24,
      validation: 8,
      test: 8,
      duplicatesLeftOut: 2,
    });
    expect(report.test.accuracy).toBe(1);
    const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8'));
    expect(metadata.userMetadata.textEncoder).toMatchObject({
      name: encoderName,
      featureDim: letters.length,
    });

    const predicted = await run('predict', out, 'aaee iou', 'bcd fgb', '--json');
    expect(predicted.code).toBe(exitCodes.success);
    const predictions = JSON.parse(predicted.stdout) as {
      text: string;
      top: { className: string }[];
    }[];
    expect(predictions.map((prediction) => prediction.top[0]?.className)).toEqual([
      'vowels',
      'consonants',
    ]);
  });

  it('refuses fine-tuning a frozen text encoder, naming the flag', async () => {
    const refused = await run(
      'train',
      join(directory, 'data'),
      '--backbone',
      encoderName,
      '--mode',
      'fine-tune',
      '--out',
      join(directory, 'fine'),
    );
    expect(refused.code).not.toBe(exitCodes.success);
    expect(refused.stderr).toMatch(/--mode.*feature-extraction/s);
  });
});
