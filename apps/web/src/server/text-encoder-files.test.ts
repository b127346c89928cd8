import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textEncoderFile } from './text-encoder-files.js';

describe('textEncoderFile', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'graft-use-lite-'));
    for (const name of ['model.json', 'vocab.json', 'group1-shard1of7', 'notes.txt']) {
      await writeFile(join(folder, name), '{}');
    }
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('serves the graph model, its shards and the vocabulary from the folder', async () => {
    for (const name of ['model.json', 'vocab.json', 'group1-shard1of7']) {
      expect(await textEncoderFile(name, folder)).toEqual({ path: join(folder, name) });
    }
  });

  it('answers 404 for any other name, a missing shard and a folder without model.json', async () => {
    expect(await textEncoderFile('notes.txt', folder)).toEqual({ status: 404, error: 'not found' });
    expect(await textEncoderFile('group1-shard2of7', folder)).toEqual({
      status: 404,
      error: `use-lite: group1-shard2of7 not found in ${folder}`,
    });
    const empty = await textEncoderFile('model.json', join(folder, 'nowhere'));
    expect(empty).toMatchObject({ status: 404 });
    expect((empty as { error: string }).error).toMatch(/^use-lite: no model\.json found/);
  });
});
