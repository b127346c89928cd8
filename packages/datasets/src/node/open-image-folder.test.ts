import { createHash } from 'node:crypto';
import { readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeBatch, FileFormatError, GraftError, type ImageBatch } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { makeImageFolder } from '../testing/make-image-folder.js';
import { oversizedBmp, oversizedNetpbm, oversizedPng } from '../testing/oversized-images.js';
import type { FileImageDataset } from './file-image-dataset.js';
import { openImageFolder } from './open-image-folder.js';

const roots: string[] = [];
async function folder(files: Parameters<typeof makeImageFolder>[0]): Promise<string> {
  const root = await makeImageFolder(files);
  roots.push(root);
  return root;
}
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

/** Reads every batch, keeping plain values and disposing tensors. */
async function collect(
  dataset: FileImageDataset,
  options: Parameters<FileImageDataset['batches']>[0],
): Promise<{
  sizes: number[];
  labels: number[];
  keys: string[];
  sources: string[];
  shapes: number[][];
}> {
  const result = {
    sizes: [] as number[],
    labels: [] as number[],
    keys: [] as string[],
    sources: [] as string[],
    shapes: [] as number[][],
  };
  for await (const batch of dataset.batches(options)) {
    result.sizes.push(batch.images.shape[0]);
    result.shapes.push(batch.images.shape);
    result.labels.push(...(await batch.labels.data()));
    result.keys.push(...(batch.keys ?? []));
    result.sources.push(...(batch.sources ?? []));
    disposeBatch(batch);
  }
  return result;
}

const allFormats = {
  'cat/a.jpg': [20, 12],
  'cat/b.PNG': [9, 9],
  'cat/c.webp': [12, 20],
  'cat/d.tiff': [10, 10],
  'cat/e.ppm': [8, 6],
  'cat/readme.md': new TextEncoder().encode('# notes'),
  'dog/f.bmp': [7, 5],
  'dog/g.pgm': [6, 6],
  'dog/h.TIF': [11, 9],
  'dog/nested/i.jpeg': [16, 16],
  'dog/j.bmp': [5, 7],
  'notes.txt': new TextEncoder().encode('hello'),
} as const;

describe('openImageFolder', () => {
  it('reads every accepted format, sorted classes, and reports skipped files', async () => {
    const root = await folder(allFormats);
    const imageFolder = await openImageFolder({ root, imageSize: [8, 8] });
    expect(imageFolder.layout).toBe('classes');
    expect(imageFolder.classNames).toEqual(['cat', 'dog']);
    const dataset = imageFolder.dataset();
    expect(dataset.size).toBe(10);
    expect(dataset.labels()).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(imageFolder.report.skipped.map((file) => file.path).sort()).toEqual(
      [join(root, 'cat/readme.md'), join(root, 'notes.txt')].sort(),
    );
    expect(imageFolder.report.skippedByExtension).toEqual({ '.md': 1, '.txt': 1 });

    const result = await collect(dataset, { batchSize: 4 });
    expect(result.sizes).toEqual([4, 4, 2]);
    expect(result.shapes[0]).toEqual([4, 8, 8, 3]);
    expect(result.labels).toEqual([...dataset.labels()]);
    expect(result.sources).toEqual(dataset.files.map((file) => file.path));
    for (const [index, file] of dataset.files.entries()) {
      const sha1 = createHash('sha1')
        .update(await readFile(file.path))
        .digest('hex');
      expect(result.keys[index]).toBe(sha1);
    }
  });

  it('produces float32 pixels in [0, 255] equal to the decoded image', async () => {
    const root = await folder({ 'a/x.ppm': [8, 8], 'b/y.png': [8, 8] });
    const dataset = (await openImageFolder({ root, imageSize: [8, 8] })).dataset();
    const batch = (await dataset.batches({ batchSize: 2 })[Symbol.asyncIterator]().next())
      .value as ImageBatch;
    expect(batch.images.dtype).toBe('float32');
    expect(batch.labels.dtype).toBe('int32');
    const values = await batch.images.data();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(255);
    expect(values.every((value) => Number.isInteger(value))).toBe(true);
    disposeBatch(batch);
  });

  it('recognises train/val/test, with shared class indices and missing classes reported', async () => {
    const root = await folder({
      'train/ants/a.png': [6, 6],
      'train/bees/b.png': [6, 6],
      'train/wasps/c.png': [6, 6],
      'val/bees/d.png': [6, 6],
      'test/ants/e.png': [6, 6],
      'test/wasps/f.png': [6, 6],
    });
    const imageFolder = await openImageFolder({ root, imageSize: [4, 4] });
    expect(imageFolder.layout).toBe('splits');
    expect(imageFolder.splitNames).toEqual(['train', 'val', 'test']);
    expect(imageFolder.classNames).toEqual(['ants', 'bees', 'wasps']);
    expect(imageFolder.dataset('val').labels()).toEqual([1]);
    expect(imageFolder.dataset('test').labels()).toEqual([0, 2]);
    expect(imageFolder.report.missingClasses).toEqual({ val: ['ants', 'wasps'], test: ['bees'] });
    expect(() => imageFolder.dataset()).toThrow(/split.*train, val, test/);
  });

  it('names the folder of an empty class, no images, a missing root or a broken link', async () => {
    const empty = await folder({
      'a/x.png': [4, 4],
      b: 'folder',
      'c/readme.txt': new Uint8Array(3),
    });
    await expect(openImageFolder({ root: empty, imageSize: [4, 4] })).rejects.toThrow(
      new RegExp(`class folder ${join(empty, 'b')} has no image`),
    );
    const skipping = await openImageFolder({ root: empty, imageSize: [4, 4], onBadImage: 'skip' });
    expect(skipping.report.emptyClassFolders).toEqual([join(empty, 'b'), join(empty, 'c')]);
    expect(skipping.classNames).toEqual(['a', 'b', 'c']);

    const noImages = await folder({ 'a/x.gif': new Uint8Array(4) });
    await expect(
      openImageFolder({ root: noImages, imageSize: [4, 4], onBadImage: 'skip' }),
    ).rejects.toThrow(/contains no images with an accepted extension/);
    await expect(
      openImageFolder({ root: join(noImages, 'nope'), imageSize: [4, 4] }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        GraftError.isInstance(error) &&
        error.code === 'DATA' &&
        error.message.includes(join(noImages, 'nope')),
    );
    const linked = await folder({ 'a/x.png': [4, 4] });
    await symlink(join(linked, 'missing-target'), join(linked, 'b'));
    await expect(openImageFolder({ root: linked, imageSize: [4, 4] })).rejects.toThrow(
      new RegExp(`broken symbolic link ${join(linked, 'b')}`),
    );
  });

  it('stops on a corrupt image with onBadImage error, skips and lists it with skip', async () => {
    const jpeg = new Uint8Array(
      await readFile(join(await folder({ 'z/x.jpg': [32, 32] }), 'z/x.jpg')),
    );
    const root = await folder({
      'a/1.png': [5, 5],
      'a/2.jpg': jpeg.subarray(0, 200),
      'a/3.png': [5, 5],
      'b/4.bmp': new TextEncoder().encode('BMnot really'),
      'b/5.png': [5, 5],
      'b/6.png': [5, 5],
    });
    const strict = (await openImageFolder({ root, imageSize: [4, 4] })).dataset();
    await expect(collect(strict, { batchSize: 2 })).rejects.toSatisfy(
      (error: unknown) => FileFormatError.isInstance(error) && error.file === join(root, 'a/2.jpg'),
    );
    const lenient = await openImageFolder({ root, imageSize: [4, 4], onBadImage: 'skip' });
    const result = await collect(lenient.dataset(), { batchSize: 2 });
    expect(result.sizes).toEqual([2, 2]);
    expect(result.sources).toEqual(
      ['a/1.png', 'a/3.png', 'b/5.png', 'b/6.png'].map((path) => join(root, path)),
    );
    expect(lenient.report.badFiles.map((file) => file.path)).toEqual([
      join(root, 'a/2.jpg'),
      join(root, 'b/4.bmp'),
    ]);
  });

  it('shuffles deterministically per seed and epoch, drops the remainder, and aborts', async () => {
    const files: Record<string, [number, number]> = {};
    for (let index = 0; index < 10; index++)
      files[`${index % 2 ? 'odd' : 'even'}/${index}.ppm`] = [4, 4];
    const dataset = (
      await openImageFolder({ root: await folder(files), imageSize: [4, 4] })
    ).dataset();
    const first = await collect(dataset, { batchSize: 3, shuffle: true, seed: 7, epoch: 0 });
    const again = await collect(dataset, { batchSize: 3, shuffle: true, seed: 7, epoch: 0 });
    const nextEpoch = await collect(dataset, { batchSize: 3, shuffle: true, seed: 7, epoch: 1 });
    expect(first.sources).toEqual(again.sources);
    expect(first.sources).not.toEqual(nextEpoch.sources);
    expect([...first.sources].sort()).toEqual(dataset.files.map((file) => file.path).sort());
    expect(first.sizes).toEqual([3, 3, 3, 1]);
    expect((await collect(dataset, { batchSize: 3, dropRemainder: true })).sizes).toEqual([
      3, 3, 3,
    ]);

    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of dataset.batches({ batchSize: 2, signal: controller.signal })) {
          seen.push(batch.images.shape[0]);
          disposeBatch(batch);
          controller.abort(new Error('stop now'));
        }
      })(),
    ).rejects.toThrow('stop now');
    expect(seen).toEqual([2]);
    await expect(collect(dataset, { batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('leaks no tensors over epochs, including an early stop', async () => {
    const dataset = (
      await openImageFolder({
        root: await folder({ 'a/1.png': [6, 6], 'a/2.png': [6, 6], 'b/3.png': [6, 6] }),
        imageSize: [5, 5],
      })
    ).dataset();
    await expectNoTensorLeaks(async () => {
      await collect(dataset, { batchSize: 2, shuffle: true });
      for await (const batch of dataset.batches({ batchSize: 1 })) {
        disposeBatch(batch);
        break;
      }
    });
  });

  it('inspects counts, imbalance, image sizes and bad files', async () => {
    const root = await folder({
      'train/a/1.png': [10, 20],
      'train/a/2.png': [30, 40],
      'train/a/3.gif': new Uint8Array(5),
      'train/b/4.jpg': new TextEncoder().encode('garbage'),
      'val/a/5.png': [20, 30],
      'val/b/6.png': [20, 30],
    });
    const inspection = await (await openImageFolder({ root, imageSize: [4, 4] })).inspect();
    expect(inspection.counts).toEqual({
      train: { a: 2, b: 1 },
      val: { a: 1, b: 1 },
      all: { a: 3, b: 2 },
    });
    expect(inspection.totals).toEqual({ train: 3, val: 2, all: 5 });
    expect(inspection.imbalanceRatio).toBeCloseTo(1.5);
    expect(inspection.imageSizes).toEqual({
      count: 4,
      width: { min: 10, max: 30, mean: 20 },
      height: { min: 20, max: 40, mean: 30 },
    });
    expect(inspection.skipped.map((file) => file.path)).toEqual([join(root, 'train/a/3.gif')]);
    expect(inspection.badFiles.map((file) => file.path)).toEqual([join(root, 'train/b/4.jpg')]);
  });
});

describe('images whose header claims 100000x100000', () => {
  const oversized = async () => ({
    'a/good.png': [4, 4] as const,
    'a/huge.bmp': oversizedBmp(100000, 100000),
    'a/huge.pgm': oversizedNetpbm('P5', 100000, 100000),
    'a/huge.ppm': oversizedNetpbm('P6', 100000, 100000),
    'b/good.jpg': [4, 4] as const,
    'b/huge.png': await oversizedPng(100000, 100000),
  });
  const hugeNames = ['a/huge.bmp', 'a/huge.pgm', 'a/huge.ppm', 'b/huge.png'];

  it('are skipped and listed as bad files while streaming with onBadImage skip', async () => {
    const root = await folder(await oversized());
    const images = await openImageFolder({ root, imageSize: [4, 4], onBadImage: 'skip' });
    const { sources } = await collect(images.dataset(), { batchSize: 8 });
    expect(sources).toEqual([join(root, 'a/good.png'), join(root, 'b/good.jpg')]);
    expect(images.report.badFiles.map((file) => file.path).sort()).toEqual(
      hugeNames.map((name) => join(root, name)),
    );
    for (const file of images.report.badFiles) expect(file.reason).toMatch(/exceeds the limit/);
    // Later epochs meet the same files again; each stays listed once.
    await collect(images.dataset(), { batchSize: 8, epoch: 1, shuffle: true });
    expect(images.report.badFiles).toHaveLength(hugeNames.length);
  });

  it('are listed as bad files by inspect, at every check level, never thrown', async () => {
    for (const check of ['header', 'full'] as const) {
      const root = await folder(await oversized());
      const images = await openImageFolder({ root, imageSize: [4, 4] });
      const inspection = await images.inspect({ check });
      expect(inspection.badFiles.map((file) => file.path).sort()).toEqual(
        hugeNames.map((name) => join(root, name)),
      );
      expect(inspection.imageSizes?.count).toBe(2);
    }
  });
});

describe('hymenoptera (real data)', () => {
  const root = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');

  it('loads ants/bees with the right counts and reports the placeholder GIF', async () => {
    const imageFolder = await openImageFolder({ root, imageSize: [224, 224] });
    expect(imageFolder.layout).toBe('splits');
    expect(imageFolder.classNames).toEqual(['ants', 'bees']);
    const inspection = await imageFolder.inspect({ check: 'none' });
    expect(inspection.counts).toEqual({
      train: { ants: 123, bees: 121 },
      val: { ants: 70, bees: 83 },
      all: { ants: 193, bees: 204 },
    });
    expect(imageFolder.report.skipped).toEqual([
      { path: join(root, 'train/ants/imageNotFound.gif'), reason: 'unsupported extension .gif' },
    ]);
  });

  it('streams the val split at 224x224 with every image decoded', async () => {
    const imageFolder = await openImageFolder({ root, imageSize: [224, 224] });
    const val = imageFolder.dataset('val');
    const result = await collect(val, { batchSize: 32 });
    expect(result.sizes).toEqual([32, 32, 32, 32, 25]);
    expect(result.shapes[0]).toEqual([32, 224, 224, 3]);
    expect(new Set(result.keys).size).toBe(153);
    expect(imageFolder.report.badFiles).toEqual([]);
  });
});
