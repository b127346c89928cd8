import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { registerLetterFrequencyEncoder } from '../testing/letter-frequency-encoder.js';
import { runInProcess as run } from '../testing/run-in-process.js';

const encoderName = 'test-inspect-letters';
let directory: string;
let unregister: () => void;
beforeAll(async () => {
  unregister = registerLetterFrequencyEncoder(encoderName);
  directory = await mkdtemp(join(tmpdir(), 'graft-text-inspect-'));
  // Same letters in another order embed identically (cosine 1) but are different texts.
  const rows = [
    ['aei ou', 'vowels'],
    ['uo iea', 'vowels'],
    ['aaa', 'vowels'],
    ['AAA.', 'vowels'],
    ['bcd fg', 'consonants'],
    ['gfd cb', 'consonants'],
    ['bbb', 'consonants'],
    ['ae iou', 'consonants'],
  ];
  await writeFile(
    join(directory, 'data.jsonl'),
    rows.map(([text, label]) => JSON.stringify({ text, label })).join('\n'),
  );
  await writeFile(
    join(directory, 'split-manifest.json'),
    JSON.stringify({
      data: 'data.jsonl',
      sources: {
        train: [1, 3, 5, 6, 7, 8].map((row) => `data.jsonl#${row}`),
        val: [],
        test: ['data.jsonl#2'],
      },
    }),
  );
});
afterAll(async () => {
  unregister();
  await rm(directory, { recursive: true, force: true });
});

describe('graft data inspect on text', () => {
  it('finds exact duplicates without an encoder and near duplicates with one', async () => {
    const exact = await run('data', 'inspect', join(directory, 'data.jsonl'), '--json');
    expect(exact.code).toBe(exitCodes.success);
    const plain = JSON.parse(exact.stdout);
    expect(plain.counts).toEqual({ consonants: 4, vowels: 4 });
    expect(
      plain.duplicates.exactGroups.map((group: { images: { path: string }[] }) =>
        group.images.map((image) => image.path),
      ),
    ).toEqual([['data.jsonl#3', 'data.jsonl#4']]);
    expect(plain.duplicates.nearPairs).toEqual([]);

    const near = await run(
      'data',
      'inspect',
      join(directory, 'data.jsonl'),
      '--features',
      encoderName,
      '--split-manifest',
      join(directory, 'split-manifest.json'),
      '--json',
    );
    expect(near.stderr).toBe('');
    expect(near.code).toBe(exitCodes.success);
    const { duplicates } = JSON.parse(near.stdout);
    const pairs = (
      duplicates.nearPairs as {
        first: { path: string };
        second: { path: string };
        kinds: string[];
      }[]
    ).map((pair) => `${pair.first.path} ${pair.second.path} ${[...pair.kinds].sort().join('+')}`);
    expect(pairs.sort()).toEqual([
      'data.jsonl#1 data.jsonl#2 cross-split+within-class',
      'data.jsonl#1 data.jsonl#8 cross-class',
      'data.jsonl#2 data.jsonl#8 cross-class+cross-split',
      'data.jsonl#5 data.jsonl#6 within-class',
    ]);

    const table = await run(
      'data',
      'inspect',
      join(directory, 'data.jsonl'),
      '--features',
      encoderName,
    );
    expect(table.stdout).toContain('near        4 pair(s)');
    expect(table.stdout).toMatch(/data\.jsonl#2\s+vowels\s+data\.jsonl#8\s+consonants/);
  });
});
