import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTextDuplicates, withoutTextDuplicates } from '../text/find-text-duplicates.js';
import { parseFortunes } from '../text/parse-fortunes.js';
import { splitTextExamples } from '../text/split-text-examples.js';
import { readFortunesDataset } from './fortunes-dataset.js';
import { openTextData } from './open-text-data.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-text-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(path: string, content: string | Uint8Array): Promise<string> {
  const full = join(root, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, content);
  return full;
}

describe('openTextData', () => {
  it('reads class folders one example per file, reporting empty and non-.txt files', async () => {
    await write('files/spam/a.txt', '\uFEFFWin money now\n');
    await write('files/spam/b.txt', 'Cheap pills');
    await write('files/ham/c.txt', 'Lunch at noon?');
    await write('files/ham/empty.txt', '  \n');
    await write('files/ham/notes.md', 'ignored');
    const { examples, report } = await openTextData({ path: join(root, 'files') });
    expect(examples.classNames).toEqual(['ham', 'spam']);
    expect(examples.texts).toEqual(['Lunch at noon?', 'Win money now', 'Cheap pills']);
    expect(examples.labels).toEqual([0, 1, 1]);
    expect(report.empty).toEqual([join('ham', 'empty.txt')]);
    expect(report.skipped).toEqual([join('ham', 'notes.md')]);
  });

  it('reads one example per line with linePerExample, and cuts over-long lines', async () => {
    await write('lines/a/x.txt', 'one\n\ntwo\n');
    await write('lines/b/y.txt', `${'z'.repeat(50)}\n`);
    const { examples, report } = await openTextData({
      path: join(root, 'lines'),
      linePerExample: true,
      maxCharacters: 20,
    });
    expect(examples.texts).toEqual(['one', 'two', 'z'.repeat(20)]);
    expect(examples.sources).toEqual([
      join('a', 'x.txt:1'),
      join('a', 'x.txt:3'),
      join('b', 'y.txt:1'),
    ]);
    expect(report.empty).toEqual([join('a', 'x.txt:2')]);
    expect(report.truncated).toEqual([join('b', 'y.txt:1')]);
  });

  it('cuts a 50 MB line to maxCharacters instead of holding it', async () => {
    await write('huge/a/big.txt', `short one\n${'word '.repeat(10_000_000)}\n`);
    const { examples, report } = await openTextData({
      path: join(root, 'huge'),
      linePerExample: true,
    });
    expect(examples.texts.map((text) => text.length)).toEqual([9, 10_000]);
    expect(report.truncated).toEqual([join('a', 'big.txt:2')]);
  });

  it('reads CSV (quoted commas and newlines) and JSONL with text/label columns', async () => {
    const csv = await write('data.csv', 'label,text\npos,"Great, really\ngreat"\nneg,Awful\n');
    const jsonl = await write(
      'data.jsonl',
      '{"text":"Great","label":"pos"}\n\n{"text":"Awful","label":"neg"}\n',
    );
    const fromCsv = await openTextData({ path: csv });
    expect(fromCsv.examples.texts).toEqual(['Great, really\ngreat', 'Awful']);
    expect(fromCsv.examples.labels).toEqual([1, 0]);
    const fromJsonl = await openTextData({ path: jsonl });
    expect(fromJsonl.examples.texts).toEqual(['Great', 'Awful']);
    expect(fromJsonl.examples.classNames).toEqual(['neg', 'pos']);
  });

  it('rejects non-UTF-8 bytes, missing columns and unknown formats naming the file', async () => {
    const latin1 = await write('bad/c/latin1.txt', Uint8Array.from([0x63, 0x61, 0x66, 0xe9]));
    await expect(openTextData({ path: join(root, 'bad') })).rejects.toThrow(
      new RegExp(`${latin1}: is not UTF-8`),
    );
    const noColumn = await write('columns.jsonl', '{"sentence":"hi","label":"a"}\n');
    await expect(openTextData({ path: noColumn })).rejects.toThrow(/row 1 has no string "text"/);
    const other = await write('data.tsv', 'a\tb\n');
    await expect(openTextData({ path: other })).rejects.toThrow(/\.csv or \.jsonl/);
  });
});

describe('text splits and duplicates', () => {
  const texts = Array.from({ length: 40 }, (_, index) => `example ${index}`);
  const examples = {
    classNames: ['a', 'b'],
    texts,
    labels: texts.map((_, index) => (index < 30 ? 0 : 1)),
    sources: texts.map((_, index) => `#${index}`),
  };

  it('splits per class by the fractions, the same for the same seed', () => {
    const first = splitTextExamples(examples, { fractions: [0.5, 0.25, 0.25], seed: 3 });
    const again = splitTextExamples(examples, { fractions: [0.5, 0.25, 0.25], seed: 3 });
    const other = splitTextExamples(examples, { fractions: [0.5, 0.25, 0.25], seed: 4 });
    expect(first.indices).toEqual(again.indices);
    expect(first.indices.train).not.toEqual(other.indices.train);
    expect(first.train.labels.filter((label) => label === 1)).toHaveLength(5);
    expect(first.train.labels.filter((label) => label === 0)).toHaveLength(15);
    const heldOutOfA = [...first.val.labels, ...(first.test?.labels ?? [])].filter(
      (label) => label === 0,
    );
    expect(heldOutOfA).toHaveLength(15);
    const all = [...first.indices.train, ...first.indices.val, ...(first.indices.test ?? [])];
    expect(all.sort((a, b) => a - b)).toEqual(texts.map((_, index) => index));
  });

  it('finds duplicates up to case, punctuation and spacing, flagging label conflicts', () => {
    const duplicated = {
      classNames: ['a', 'b'],
      texts: ['Hello, world!', 'other', 'hello   WORLD', 'other.'],
      labels: [0, 0, 1, 0],
      sources: ['1', '2', '3', '4'],
    };
    expect(findTextDuplicates(duplicated)).toEqual([
      { indices: [0, 2], conflictingLabels: true },
      { indices: [1, 3], conflictingLabels: false },
    ]);
    expect(withoutTextDuplicates(duplicated)).toEqual([0, 1]);
  });
});

describe('fortunes', () => {
  it('parses %-separated quotes', () => {
    expect(parseFortunes('First\nquote.\n%\n%\nSecond.\n%\n')).toEqual([
      'First\nquote.',
      'Second.',
    ]);
  });

  it("reads Debian's topic files as classes", async () => {
    const examples = await readFortunesDataset({ topics: ['food', 'science'], limitPerTopic: 5 });
    expect(examples.classNames).toEqual(['food', 'science']);
    expect(examples.texts).toHaveLength(10);
    expect(examples.texts.every((text) => text.length > 0 && !text.includes('\n%\n'))).toBe(true);
  });
});
