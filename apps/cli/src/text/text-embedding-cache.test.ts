import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

// A content-identified encoder (its weights id names a digest, as use-lite's does), counting
// the texts it embeds.
const encoderName = 'test-cached-letters';
const embedded: string[] = [];
let directory: string;
const previousCache = process.env.GRAFT_CACHE_DIR;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-text-cache-'));
  process.env.GRAFT_CACHE_DIR = join(directory, 'cache');
  registerSentenceEncoder(
    {
      name: encoderName,
      description: 'test-only vowel share',
      featureDim: 2,
      create: async () =>
        sentenceEncoderFromFunction({
          name: encoderName,
          featureDim: 2,
          weightsId: `${encoderName}:sha256:0123456789abcdef`,
          embed: async (texts) => {
            embedded.push(...texts);
            const share = (text: string) =>
              [...text].filter((char) => 'aeiou'.includes(char)).length / text.length;
            return tf.tensor2d(
              texts.map((text) => [share(text), 1 - share(text)]),
              [texts.length, 2],
            );
          },
        }),
    },
    { override: true },
  );
  const rows = Array.from({ length: 10 }, (_, index) => [
    { text: `aeiou ${'a'.repeat(index + 1)}`, label: 'vowels' },
    { text: `bcdfg ${'b'.repeat(index + 1)}`, label: 'consonants' },
  ]).flat();
  await writeFile(join(directory, 'data.jsonl'), rows.map((row) => JSON.stringify(row)).join('\n'));
});
afterAll(async () => {
  sentenceEncoderRegistry.unregister(encoderName);
  if (previousCache === undefined) delete process.env.GRAFT_CACHE_DIR;
  else process.env.GRAFT_CACHE_DIR = previousCache;
  await rm(directory, { recursive: true, force: true });
});

describe('text embedding cache', () => {
  it('embeds each text once across train, eval and a second run', async () => {
    const data = join(directory, 'data.jsonl');
    const train = (out: string) =>
      run(
        'train',
        data,
        '--backbone',
        encoderName,
        '--split',
        '0.6,0.2,0.2',
        '--epochs',
        '3',
        '--out',
        join(directory, out),
      );
    expect((await train('first')).code).toBe(exitCodes.success);
    expect(embedded).toHaveLength(20);

    const evaluated = await run('eval', join(directory, 'first'), data, '--json');
    expect(evaluated.code).toBe(exitCodes.success);
    expect(JSON.parse(evaluated.stdout).count).toBe(4);
    expect((await train('second')).code).toBe(exitCodes.success);
    // Both read every embedding from the disk cache.
    expect(embedded).toHaveLength(20);
  });
});
