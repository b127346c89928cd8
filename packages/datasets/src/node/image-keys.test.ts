import { rm } from 'node:fs/promises';
import { disposeBatch } from '@graft/core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { makeImageFolder } from '../testing/make-image-folder.js';
import type { DecodePrefetch } from './decode-prefetch.js';
import { FileImageDataset } from './file-image-dataset.js';
import { openImageFolder } from './open-image-folder.js';

const temporary: string[] = [];
afterAll(async () => {
  for (const path of temporary) await rm(path, { recursive: true, force: true });
});

/** A dataset of three small images (two classes) in a fresh folder. */
async function threeImages(): Promise<FileImageDataset> {
  const root = await makeImageFolder({
    'ants/a.jpg': [20, 16],
    'ants/b.png': [16, 20],
    'bees/c.jpg': [18, 18],
  });
  temporary.push(root);
  return (await openImageFolder({ root, imageSize: [8, 8] })).dataset() as FileImageDataset;
}

describe('FileImageDataset.imageKeys', () => {
  it('names the keys and sources its batches carry, in dataset order', async () => {
    const dataset = await threeImages();
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

  it('gives the first `limit` only, and takes keys the decode prefetch computed instead of reading', async () => {
    const dataset = await threeImages();
    const all = await dataset.imageKeys();
    expect(await dataset.imageKeys({ limit: 2 })).toEqual({
      keys: all?.keys.slice(0, 2),
      sources: all?.sources.slice(0, 2),
    });
    expect(await dataset.imageKeys({ limit: 0 })).toEqual({ keys: [], sources: [] });
    await expect(dataset.imageKeys({ limit: -1 })).rejects.toThrow(/limit/);
    // A prefetch that "decoded" the first file says its key: no read of that file.
    const decodePrefetch = {
      decodedKey: (path: string) => (path === all?.sources[0] ? 'from-prefetch' : undefined),
      take: () => undefined,
    } as unknown as DecodePrefetch;
    const prefetched = dataset.withOptions({ decodePrefetch });
    expect((await prefetched.imageKeys())?.keys).toEqual([
      'from-prefetch',
      ...(all?.keys.slice(1) ?? []),
    ]);
  });
});

describe('FileImageDataset.pixelBatches', () => {
  it('streams the bytes, labels, keys and sources of its batches, skipping the same bad files', async () => {
    const root = await makeImageFolder({
      'ants/a.jpg': [20, 16],
      'ants/b.png': [16, 20],
      'ants/broken.jpg': new Uint8Array([0xff, 0xd8, 0xff, 1, 2]),
      'bees/c.jpg': [18, 18],
      'bees/d.webp': [30, 18],
    });
    temporary.push(root);
    const dataset = (
      await openImageFolder({ root, imageSize: [8, 8], onBadImage: 'skip' })
    ).dataset() as FileImageDataset;
    const expected: Array<{
      pixels: number[];
      labels: number[];
      keys?: readonly string[];
      sources?: readonly string[];
    }> = [];
    for await (const batch of dataset.batches({ batchSize: 3 })) {
      expected.push({
        pixels: Array.from(await batch.images.data()),
        labels: Array.from(await batch.labels.data()),
        ...(batch.keys ? { keys: batch.keys } : {}),
        ...(batch.sources ? { sources: batch.sources } : {}),
      });
      disposeBatch(batch);
    }
    const actual: typeof expected = [];
    const shapes: number[][] = [];
    for await (const batch of dataset.pixelBatches({ batchSize: 3 }) ?? []) {
      shapes.push([...batch.shape]);
      actual.push({
        pixels: Array.from(batch.pixels),
        labels: Array.from(batch.labels),
        ...(batch.keys ? { keys: batch.keys } : {}),
        ...(batch.sources ? { sources: batch.sources } : {}),
      });
    }
    expect(shapes).toEqual([
      [3, 8, 8, 3],
      [1, 8, 8, 3],
    ]);
    expect(actual).toEqual(expected);
    expect(dataset.badFiles.map((file) => file.path)).toEqual([
      expect.stringMatching(/broken\.jpg$/),
    ]);
  });

  it('has none for a multi-label dataset', async () => {
    const dataset = await threeImages();
    const multi = new FileImageDataset({
      imageSize: [8, 8],
      files: dataset.files.map((file) => ({ ...file, labelSet: [file.label] })),
      classNames: dataset.classNames,
      multiLabel: true,
    });
    expect(multi.pixelBatches({ batchSize: 2 })).toBeUndefined();
  });
});
