import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Preprocessing } from '@graft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainingData } from './load-training-data.js';

const preprocessing: Preprocessing = {
  inputSize: [32, 32],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'graft-cli-data-'));
  // 20 + 10 files per class; their content is never decoded by a split.
  for (const [className, count] of [
    ['cats', 20],
    ['dogs', 10],
  ] as const) {
    await mkdir(join(root, 'flat', className), { recursive: true });
    for (let index = 0; index < count; index++) {
      await writeFile(join(root, 'flat', className, `${index}.png`), 'x');
    }
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadTrainingData', () => {
  it('splits a flat class folder by --split, stratified and seeded', async () => {
    const options = {
      data: join(root, 'flat'),
      split: [0.6, 0.2, 0.2] as [number, number, number],
      seed: 3,
      preprocessing,
    };
    const data = await loadTrainingData(options);
    expect(data.classNames).toEqual(['cats', 'dogs']);
    expect([data.train.size, data.validation?.size, data.test?.size]).toEqual([18, 6, 6]);
    const count = (labels: readonly number[], label: number) =>
      labels.filter((value) => value === label).length;
    expect(count(data.validation?.labels() ?? [], 0)).toBe(4);
    expect(count(data.validation?.labels() ?? [], 1)).toBe(2);
    const again = await loadTrainingData(options);
    expect(again.validation?.labels()).toEqual(data.validation?.labels());
  });

  it('leaves out the test part for a two-way split', async () => {
    const data = await loadTrainingData({
      data: join(root, 'flat'),
      split: [0.8, 0.2, 0],
      seed: 0,
      preprocessing,
    });
    expect(data.test).toBeUndefined();
    expect((data.train.size ?? 0) + (data.validation?.size ?? 0)).toBe(30);
  });
});
