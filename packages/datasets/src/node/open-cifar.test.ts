import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetNotFoundError, disposeBatch, FileFormatError, GraftError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTarGz } from '../testing/make-tar.js';
import type { CifarDataset } from './cifar-dataset.js';
import { cifarImageBytes } from './cifar-formats.js';
import { openCifar } from './open-cifar.js';

const folders: string[] = [];
async function workspace(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'graft-cifar-'));
  folders.push(folder);
  return folder;
}
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** Planar pixels of record `seed`: distinct per record and channel. */
function planar(seed: number): Uint8Array {
  return new Uint8Array(cifarImageBytes).map((_, index) => (index * 7 + seed * 13) % 256);
}

/** Records in the exact binary layout: label byte(s), then 3072 planar pixel bytes. */
function records(labels: readonly (readonly number[])[], seedBase: number): Uint8Array {
  const recordBytes = labels[0]?.length ?? 1;
  const bytes = new Uint8Array(labels.length * (recordBytes + cifarImageBytes));
  labels.forEach((label, index) => {
    const start = index * (recordBytes + cifarImageBytes);
    bytes.set(label, start);
    bytes.set(planar(seedBase + index), start + recordBytes);
  });
  return bytes;
}

const cifar10Names = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const trainCounts = [3, 2, 1, 2, 2];

/** The files of a tiny CIFAR-10 (10 train records, 4 test), by name. */
function cifar10Files(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  let seed = 0;
  trainCounts.forEach((count, fileIndex) => {
    const labels = Array.from({ length: count }, (_, index) => [(seed + index) % 10]);
    files[`data_batch_${fileIndex + 1}.bin`] = records(labels, seed);
    seed += count;
  });
  files['test_batch.bin'] = records([[9], [8], [7], [6]], 100);
  files['batches.meta.txt'] = new TextEncoder().encode(`${cifar10Names.join('\n')}\n\n`);
  return files;
}

async function writeFiles(folder: string, files: Record<string, Uint8Array>): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(folder, name), bytes);
}

async function firstBatch(dataset: CifarDataset, batchSize: number) {
  const result: { images: Float32Array; labels: number[]; keys: string[]; sources: string[] }[] =
    [];
  for await (const batch of dataset.batches({ batchSize })) {
    result.push({
      images: (await batch.images.data()) as Float32Array,
      labels: [...(await batch.labels.data())],
      keys: [...(batch.keys ?? [])],
      sources: [...(batch.sources ?? [])],
    });
    disposeBatch(batch);
  }
  return result;
}

describe('openCifar (local directory)', () => {
  it('reads CIFAR-10 train and test records with labels, names and exact pixels', async () => {
    const directory = join(await workspace(), 'cifar-10-batches-bin');
    await writeFiles(directory, cifar10Files());
    const train = await openCifar({ variant: 'cifar-10', split: 'train', directory });
    expect(train.classNames).toEqual(cifar10Names);
    expect(train.size).toBe(10);
    expect(train.labels()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const batches = await firstBatch(train, 4);
    expect(batches.map((batch) => batch.labels.length)).toEqual([4, 4, 2]);
    // Record 3 is the first of data_batch_2.bin; pixel (row 1, column 2), green channel.
    const image = batches[0]?.images.subarray(3 * 32 * 32 * 3, 4 * 32 * 32 * 3) as Float32Array;
    const pixel = 32 + 2;
    expect(image[pixel * 3 + 1]).toBe(planar(3)[1024 + pixel]);
    expect(image[pixel * 3 + 2]).toBe(planar(3)[2048 + pixel]);
    expect(batches[0]?.sources[3]).toBe(`${join(directory, 'data_batch_2.bin')}#0`);
    expect(batches[0]?.keys[3]).toBe(createHash('sha1').update(planar(3)).digest('hex'));

    const test = await openCifar({
      variant: 'cifar-10',
      split: 'test',
      directory,
      imageSize: [8, 8],
    });
    expect(test.labels()).toEqual([9, 8, 7, 6]);
    const resized = await firstBatch(test, 4);
    expect(resized[0]?.images.length).toBe(4 * 8 * 8 * 3);
    expect(test.subset([2, 0]).labels()).toEqual([7, 9]);
  });

  it('reads CIFAR-100 fine and coarse labels', async () => {
    const directory = join(await workspace(), 'cifar-100-binary');
    const fine = Array.from({ length: 100 }, (_, index) => `fine_${index}`);
    const coarse = Array.from({ length: 20 }, (_, index) => `coarse_${index}`);
    await writeFiles(directory, {
      'train.bin': records(
        [
          [3, 42],
          [19, 99],
          [0, 0],
        ],
        0,
      ),
      'test.bin': records([[1, 7]], 9),
      'fine_label_names.txt': new TextEncoder().encode(fine.join('\n')),
      'coarse_label_names.txt': new TextEncoder().encode(coarse.join('\n')),
    });
    const fineTrain = await openCifar({ variant: 'cifar-100', split: 'train', directory });
    expect(fineTrain.labels()).toEqual([42, 99, 0]);
    expect(fineTrain.classNames).toEqual(fine);
    const coarseTrain = await openCifar({
      variant: 'cifar-100',
      split: 'train',
      directory,
      labelKind: 'coarse',
    });
    expect(coarseTrain.labels()).toEqual([3, 19, 0]);
    expect(coarseTrain.classNames).toEqual(coarse);
    const batch = (await firstBatch(coarseTrain, 3))[0];
    expect(batch?.images[0]).toBe(planar(0)[0]);
    expect((await openCifar({ variant: 'cifar-100', split: 'test', directory })).labels()).toEqual([
      7,
    ]);
    await expect(
      openCifar({ variant: 'cifar-10', split: 'train', directory, labelKind: 'coarse' }),
    ).rejects.toThrow(/labelKind/);
  });

  it('names a truncated, mis-sized or wrong-variant file', async () => {
    const directory = join(await workspace(), 'broken');
    const files = cifar10Files();
    const batch3 = files['data_batch_3.bin'] as Uint8Array;
    await writeFiles(directory, {
      ...files,
      'data_batch_3.bin': batch3.subarray(0, batch3.length - 10),
    });
    await expect(openCifar({ variant: 'cifar-10', split: 'train', directory })).rejects.toSatisfy(
      (error: unknown) =>
        FileFormatError.isInstance(error) &&
        error.file === join(directory, 'data_batch_3.bin') &&
        /not a positive multiple of the 3073-byte cifar-10 record/.test(error.message),
    );
    await writeFile(join(directory, 'data_batch_3.bin'), records([[12]], 0));
    await expect(openCifar({ variant: 'cifar-10', split: 'train', directory })).rejects.toThrow(
      /data_batch_3\.bin: record 0 has label 12, expected < 10/,
    );
    await rm(join(directory, 'data_batch_3.bin'));
    await expect(openCifar({ variant: 'cifar-10', split: 'train', directory })).rejects.toThrow(
      /data_batch_3\.bin: missing cifar-10 data file/,
    );
    await writeFile(join(directory, 'batches.meta.txt'), 'just\ntwo\n');
    await expect(openCifar({ variant: 'cifar-10', split: 'test', directory })).rejects.toThrow(
      /batches\.meta\.txt: has 2 label names, expected 10/,
    );
    // A CIFAR-10 file read as CIFAR-100 is mis-sized (3073 is not a multiple of 3074).
    await expect(
      openCifar({
        variant: 'cifar-100',
        split: 'test',
        directory: await cifar100With('test.bin', files['test_batch.bin'] as Uint8Array),
      }),
    ).rejects.toThrow(/3074-byte cifar-100 record/);
  });

  it('leaks no tensors', async () => {
    const directory = join(await workspace(), 'cifar-10-batches-bin');
    await writeFiles(directory, cifar10Files());
    const train = await openCifar({
      variant: 'cifar-10',
      split: 'train',
      directory,
      imageSize: [16, 16],
    });
    await expectNoTensorLeaks(() => firstBatch(train, 3));
  });
});

async function cifar100With(name: string, bytes: Uint8Array): Promise<string> {
  const directory = join(await workspace(), 'cifar-100-binary');
  await writeFiles(directory, {
    [name]: bytes,
    'fine_label_names.txt': new TextEncoder().encode(
      Array.from({ length: 100 }, (_, index) => `f${index}`).join('\n'),
    ),
  });
  return directory;
}

describe('openCifar (archive)', () => {
  const archiveBytes = () =>
    makeTarGz([
      { name: 'cifar-10-batches-bin/', type: 'folder' },
      ...Object.entries(cifar10Files()).map(([name, content]) => ({
        name: `cifar-10-batches-bin/${name}`,
        type: 'file' as const,
        content,
      })),
    ]);

  it('downloads, checks the md5, extracts into the cache, then reuses it', async () => {
    const cacheDir = await workspace();
    const bytes = archiveBytes();
    const md5 = createHash('md5').update(bytes).digest('hex');
    let calls = 0;
    const fakeFetch = (async (url: string) => {
      calls++;
      expect(url).toBe('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
      return new Response(Buffer.from(bytes), { status: 200 });
    }) as unknown as typeof fetch;
    const options = {
      variant: 'cifar-10',
      split: 'train',
      cacheDir,
      mirrorDirs: [],
      offline: false,
      md5,
      fetch: fakeFetch,
    } as const;
    expect((await openCifar(options)).labels()).toHaveLength(10);
    expect(calls).toBe(1);
    expect((await readdir(join(cacheDir, 'cifar'))).sort()).toEqual([
      'cifar-10-batches-bin',
      'cifar-10-binary.tar.gz',
    ]);
    expect((await openCifar({ ...options, split: 'test', offline: true })).labels()).toEqual([
      9, 8, 7, 6,
    ]);
    expect(calls).toBe(1);
  });

  it('rejects an archive with the wrong md5 and moves it aside', async () => {
    const cacheDir = await workspace();
    const fakeFetch = (async () =>
      new Response(Buffer.from(archiveBytes()), { status: 200 })) as unknown as typeof fetch;
    await expect(
      openCifar({
        variant: 'cifar-10',
        split: 'train',
        cacheDir,
        mirrorDirs: [],
        offline: false,
        fetch: fakeFetch,
      }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        GraftError.isInstance(error) &&
        error.code === 'CHECKSUM_MISMATCH' &&
        error.message.includes('c32a1d4ab5d03f1284b67883e8d87530'),
    );
    const left = await readdir(join(cacheDir, 'cifar'));
    expect(left.some((name) => name.startsWith('cifar-10-binary.tar.gz.corrupt-'))).toBe(true);
    expect(left).not.toContain('cifar-10-batches-bin');
  });

  it('offline without a copy says which file to put where', async () => {
    const cacheDir = await workspace();
    await expect(
      openCifar({ variant: 'cifar-100', split: 'train', cacheDir, mirrorDirs: [], offline: true }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        AssetNotFoundError.isInstance(error) &&
        error.message.includes('cifar-100-binary.tar.gz') &&
        error.message.includes(join(cacheDir, 'cifar', 'cifar-100-binary.tar.gz')) &&
        error.message.includes(join(cacheDir, 'cifar', 'cifar-100-binary', 'train.bin')) &&
        error.message.includes('https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz'),
    );
  });
});
