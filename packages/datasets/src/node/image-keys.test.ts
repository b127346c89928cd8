import { rm } from 'node:fs/promises';
import { disposeBatch } from '@graft/core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { makeImageFolder } from '../testing/make-image-folder.js';
import type { FileImageDataset } from './file-image-dataset.js';
import { openImageFolder } from './open-image-folder.js';

const temporary: string[] = [];
afterAll(async () => {
  for (const path of temporary) await rm(path, { recursive: true, force: true });
});

describe('FileImageDataset.imageKeys', () => {
  it('names the keys and sources its batches carry, in dataset order', async () => {
    const root = await makeImageFolder({
      'ants/a.jpg': [20, 16],
      'ants/b.png': [16, 20],
      'bees/c.jpg': [18, 18],
    });
    temporary.push(root);
    const dataset = (
      await openImageFolder({ root, imageSize: [8, 8] })
    ).dataset() as FileImageDataset;
    const keys: string[] = [];
    const sources: string[] = [];
    for await (const batch of dataset.batches({ batchSize: 2 })) {
      keys.push(...(batch.keys ?? []));
      sources.push(...(batch.sources ?? []));
      disposeBatch(batch);
    }
    expect(keys).toHaveLength(3);
    expect(await dataset.imageKeys()).toEqual({ keys, sources });
  });
});
