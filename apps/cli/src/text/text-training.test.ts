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

describe('graft train / predict / eval / explain on text', () => {
  // Trained by the first test, evaluated and explained by the next ones.
  const out = () => join(directory, 'run');
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
    // The leak check ran on the letter-frequency embeddings; any pair it names straddles splits.
    expect(report.nearDuplicateLeakage.cosineThreshold).toBe(0.95);
    for (const pair of report.nearDuplicateLeakage.pairs) {
      expect(pair.splits[0]).not.toBe(pair.splits[1]);
    }
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

  it('evaluates the run on its own test split by default, or on the split asked for', async () => {
    const evaluated = await run('eval', out(), join(directory, 'data'), '--json');
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(exitCodes.success);
    const report = JSON.parse(evaluated.stdout);
    const trained = JSON.parse(await readFile(join(out(), 'report.json'), 'utf8'));
    expect(report).toMatchObject({ modality: 'text', scored: 'test', count: 8 });
    expect(report.accuracy).toBe(trained.test.accuracy);
    expect(report.loss).toBeCloseTo(trained.test.loss, 5);

    const training = await run(
      'eval',
      out(),
      join(directory, 'data'),
      '--split',
      'train',
      '--json',
    );
    expect(JSON.parse(training.stdout)).toMatchObject({ scored: 'train', count: 24 });

    const refused = await run('eval', out(), join(directory, 'data'), '--tta', 'flip');
    expect(refused.code).not.toBe(exitCodes.success);
    expect(refused.stderr).toMatch(/--tta.*text model/s);
  });

  it('explains a text by word occlusion: vowel words speak for vowels, consonant words against', async () => {
    const explanationDirectory = join(directory, 'explained');
    const explain = () =>
      run('explain', out(), 'aaee bcdf iou', '--out', explanationDirectory, '--json');
    await explain();
    const tensors = tf.memory().numTensors;
    const explained = await explain();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(explained.code).toBe(exitCodes.success);
    const [explanation] = JSON.parse(explained.stdout) as {
      className: string;
      words: { word: string; attribution: number }[];
    }[];
    expect(explanation?.className).toBe('vowels');
    const attribution = Object.fromEntries(
      explanation?.words.map((word) => [word.word, word.attribution]) ?? [],
    );
    expect(attribution.aaee).toBeGreaterThan(0);
    expect(attribution.iou).toBeGreaterThan(0);
    expect(attribution.bcdf).toBeLessThan(0);
    const page = await readFile(join(explanationDirectory, 'index.html'), 'utf8');
    expect(page).toContain('>bcdf</span>');

    const empty = await run('explain', out(), '  ', '--out', explanationDirectory);
    expect(empty.code).not.toBe(exitCodes.success);
    expect(empty.stderr).toMatch(/<inputs>.*non-empty/s);
    const refused = await run(
      'explain',
      out(),
      'aaee',
      '--out',
      explanationDirectory,
      '--class',
      'nouns',
    );
    expect(refused.code).not.toBe(exitCodes.success);
    expect(refused.stderr).toMatch(/--class.*vowels, consonants|--class.*consonants, vowels/s);
  });

  it('exports the text classifier to ONNX with its encoder named, matching graft predict', async () => {
    const exported = join(directory, 'onnx');
    const result = await run('export', out(), '--format', 'onnx', '--out', exported, '--json');
    expect(result.code).toBe(exitCodes.success);
    const summary = JSON.parse(result.stdout);
    expect(summary.encoderNotIncluded).toMatch(/tokenizer/);
    const metadata = JSON.parse(await readFile(join(exported, 'metadata.json'), 'utf8'));
    expect(metadata.userMetadata.textEncoder.name).toBe(encoderName);

    const text = 'aaee bcd iou';
    const predicted = await run('predict', out(), text, '--json', '--top', '2');
    const [prediction] = JSON.parse(predicted.stdout) as {
      top: { className: string; probability: number }[];
    }[];
    // The letter-frequency embedding, zero-padded to a multiple of 3 as the layout says.
    const width = Math.ceil(letters.length / 3);
    const input = new Float32Array(width * 3);
    [...letters].forEach((letter, index) => {
      input[index] = [...text].filter((char) => char === letter).length / text.length;
    });
    expect(prediction?.top).toHaveLength(2);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(exported, 'model.onnx'));
    try {
      const feeds = {
        [session.inputNames[0] as string]: new ort.Tensor('float32', input, [1, 1, width, 3]),
      };
      const outputs = await session.run(feeds);
      const probabilities = outputs[session.outputNames[0] as string]?.data as Float32Array;
      for (const { className, probability } of prediction?.top ?? []) {
        expect(probabilities[metadata.labels.indexOf(className)]).toBeCloseTo(probability, 5);
      }
    } finally {
      await session.release();
    }
  });

  it('cross-validates a text run with --folds, holding out the test share', async () => {
    const folded = join(directory, 'folded');
    const trained = await run(
      'train',
      join(directory, 'data'),
      '--backbone',
      encoderName,
      '--line-per-example',
      '--split',
      '0.6,0.2,0.2',
      '--folds',
      '3',
      '--epochs',
      '30',
      '--lr',
      '0.05',
      '--out',
      folded,
      '--json',
    );
    expect(trained.stderr).not.toMatch(/error/i);
    expect(trained.code).toBe(exitCodes.success);
    const summary = JSON.parse(await readFile(join(folded, 'cv-summary.json'), 'utf8'));
    expect(summary.folds).toBe(3);
    expect(summary.metrics['test.accuracy'].values).toHaveLength(3);
    const partition = JSON.parse(await readFile(join(folded, 'split-manifest.json'), 'utf8'));
    const folds = ['fold-1', 'fold-2', 'fold-3'].map((name) => partition.sources[name] as string[]);
    // 40 distinct texts: 8 held out for test, 32 dealt into folds of 11, 11 and 10, none twice.
    expect(partition.sources.test).toHaveLength(8);
    expect(folds.map((fold) => fold.length)).toEqual([11, 11, 10]);
    expect(new Set([...folds.flat(), ...partition.sources.test]).size).toBe(40);
    const second = JSON.parse(await readFile(join(folded, 'fold-2', 'report.json'), 'utf8'));
    expect(second.examples).toMatchObject({ train: 21, validation: 11, test: 8 });
    expect(summary.metrics['validation.accuracy'].values[1]).toBe(second.validation.accuracy);
  });

  it('resumes an interrupted folded text run, keeping its finished folds', async () => {
    const folded = join(directory, 'folded');
    const before = await readFile(join(folded, 'cv-summary.json'), 'utf8');
    // As if killed while training fold 3: no model, no report, no summary.
    await rm(join(folded, 'fold-3'), { recursive: true });
    await rm(join(folded, 'cv-summary.json'));
    const resumed = await run('resume', folded);
    expect(resumed.code).toBe(exitCodes.success);
    expect(resumed.stderr).toContain('fold-1 of 3 is finished, kept');
    expect(resumed.stderr).not.toContain('fold-3 of 3 is finished');
    const after = JSON.parse(await readFile(join(folded, 'cv-summary.json'), 'utf8'));
    expect(after.metrics).toEqual(JSON.parse(before).metrics);
  });

  it('resumes an unfinished text run by training its head again, to the same model', async () => {
    const finished = await run('resume', out());
    expect(finished.code).toBe(exitCodes.success);
    expect(finished.stderr).toContain('is finished');
    const before = JSON.parse(await readFile(join(out(), 'report.json'), 'utf8'));
    await rm(join(out(), 'model'), { recursive: true });
    await rm(join(out(), 'report.json'));
    const resumed = await run('resume', out());
    expect(resumed.code).toBe(exitCodes.success);
    const after = JSON.parse(await readFile(join(out(), 'report.json'), 'utf8'));
    expect(after.examples).toEqual(before.examples);
    expect(after.test).toEqual(before.test);
  });

  it('refuses fine-tuning a frozen text encoder and image-only flags, naming the flag', async () => {
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
    const imageOnly = await run(
      'train',
      join(directory, 'data'),
      '--backbone',
      encoderName,
      '--engine',
      'onnx',
      '--out',
      join(directory, 'engine'),
    );
    expect(imageOnly.code).not.toBe(exitCodes.success);
    expect(imageOnly.stderr).toMatch(/--engine.*text encoder/s);
  });
});
