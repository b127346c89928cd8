import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { FileFormatError, InvalidArgumentError } from '@graft/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuplicateCandidate, NearDuplicatePair } from '../cleaning/duplicate-report.js';
import { defaultCosineThreshold } from '../cleaning/duplicate-thresholds.js';
import { hammingDistance } from '../cleaning/perceptual-hash.js';
import { makeImageFolder } from '../testing/make-image-folder.js';
import { findImageDuplicates } from './find-image-duplicates.js';
import { hashImageFile } from './hash-image-file.js';
import { openImageFolder } from './open-image-folder.js';
import { scanImageFolder } from './scan-image-folder.js';

const hymenoptera = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');

async function jpegs(folder: string, count: number): Promise<string[]> {
  const names = (await readdir(join(hymenoptera, folder))).filter((name) => name.endsWith('.jpg'));
  return names
    .sort()
    .slice(0, count)
    .map((name) => join(hymenoptera, folder, name));
}

async function resized(bytes: Uint8Array, fraction: number): Promise<Uint8Array> {
  const { width } = await sharp(bytes).metadata();
  return sharp(bytes)
    .resize(Math.round((width as number) * fraction))
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Pair of relative paths in a stable order, with the kinds. */
function describePair(root: string, pair: NearDuplicatePair): string {
  const paths = [relative(root, pair.first.path), relative(root, pair.second.path)].sort();
  return `${paths.join(' ~ ')} [${pair.kinds.join('+')}]`;
}

describe('findImageDuplicates on planted duplicates of real ants/bees photos', () => {
  let root = '';
  // Each planted copy: its path, the original's path in the folder, and what it should be.
  const planted: { copy: string; original: string; exact: boolean; kinds: string }[] = [];

  beforeAll(async () => {
    const trainAnts = await jpegs('train/ants', 10);
    const trainBees = await jpegs('train/bees', 10);
    const valAnts = await jpegs('val/ants', 5);
    const valBees = await jpegs('val/bees', 5);
    const files: Record<string, Uint8Array> = {};
    const original = async (folder: string, paths: string[]) => {
      for (const path of paths)
        files[`${folder}/${relative(join(hymenoptera, folder), path)}`] = await readFile(path);
    };
    await original('train/ants', trainAnts);
    await original('train/bees', trainBees);
    await original('val/ants', valAnts);
    await original('val/bees', valBees);
    const name = (folder: string, path: string) =>
      `${folder}/${relative(join(hymenoptera, folder), path)}`;
    const plant = async (
      copy: string,
      originalPath: string,
      make: (bytes: Uint8Array) => Promise<Uint8Array>,
      exact: boolean,
      kinds: string,
    ) => {
      files[copy] = await make(files[originalPath] as Uint8Array);
      planted.push({ copy, original: originalPath, exact, kinds });
    };
    const same = async (bytes: Uint8Array) => bytes;
    const jpeg = (quality: number) => (bytes: Uint8Array) =>
      sharp(bytes).jpeg({ quality }).toBuffer();
    await plant(
      'train/ants/copy.jpg',
      name('train/ants', trainAnts[0] as string),
      same,
      true,
      'within-class',
    );
    await plant(
      'train/bees/ant-copy.jpg',
      name('train/ants', trainAnts[1] as string),
      same,
      true,
      'cross-class',
    );
    await plant(
      'val/bees/bee-copy.jpg',
      name('train/bees', trainBees[0] as string),
      same,
      true,
      'within-class+cross-split',
    );
    await plant(
      'train/ants/quality-30.jpg',
      name('train/ants', trainAnts[2] as string),
      jpeg(30),
      false,
      'within-class',
    );
    await plant(
      'train/bees/resized-60.jpg',
      name('train/bees', trainBees[1] as string),
      (bytes) => resized(bytes, 0.6),
      false,
      'within-class',
    );
    await plant(
      'val/ants/reencoded.png',
      name('train/ants', trainAnts[3] as string),
      (bytes) => sharp(bytes).png().toBuffer(),
      false,
      'within-class+cross-split',
    );
    await plant(
      'train/ants/bee-resized-40.jpg',
      name('train/bees', trainBees[2] as string),
      (bytes) => resized(bytes, 0.4),
      false,
      'cross-class',
    );
    await plant(
      'val/bees/ant-quality-50.jpg',
      name('train/ants', trainAnts[4] as string),
      jpeg(50),
      false,
      'cross-class+cross-split',
    );
    await plant(
      'val/ants/val-ant-resized-60.png',
      name('val/ants', valAnts[0] as string),
      async (bytes) =>
        sharp(await resized(bytes, 0.6))
          .png()
          .toBuffer(),
      false,
      'within-class',
    );
    root = await makeImageFolder(files);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('finds every planted pair with the right kinds, and nothing else', async () => {
    const folder = await openImageFolder({ root, imageSize: [224, 224] });
    const report = await folder.findDuplicates();
    const exact = planted.filter((entry) => entry.exact);
    const near = planted.filter((entry) => !entry.exact);
    expect(
      report.exactGroups
        .map((group) => ({
          paths: group.images.map((image) => relative(root, image.path)).sort(),
          kinds: group.kinds.join('+'),
        }))
        .sort((a, b) => (a.paths[0] as string).localeCompare(b.paths[0] as string)),
    ).toEqual(
      exact
        .map((entry) => ({ paths: [entry.copy, entry.original].sort(), kinds: entry.kinds }))
        .sort((a, b) => (a.paths[0] as string).localeCompare(b.paths[0] as string)),
    );
    expect(report.nearPairs.map((pair) => describePair(root, pair)).sort()).toEqual(
      near
        .map((entry) => `${[entry.copy, entry.original].sort().join(' ~ ')} [${entry.kinds}]`)
        .sort(),
    );
    for (const pair of report.nearPairs) {
      expect(pair.methods).toEqual(['perceptual-hash']);
      expect(pair.hammingDistance).toBeLessThanOrEqual(report.hammingThreshold as number);
    }
    expect(report.summary.images).toBe(30 + planted.length);
    expect(report.summary.distinctContents).toBe(30 + near.length);
    expect(report.summary.exactPairs).toEqual({
      total: 3,
      'within-class': 2,
      'cross-class': 1,
      'cross-split': 1,
    });
    expect(report.unreadable).toEqual([]);
  });

  it('keeps distinct photos apart: every unplanted pair is well above the default threshold', async () => {
    const scan = await scanImageFolder({ root });
    const hashes = await Promise.all(
      scan.files.map(async (file) => ({
        path: relative(root, file.path),
        ...(await hashImageFile({ path: file.path })),
      })),
    );
    const plantedPairs = new Set(
      planted.map((entry) => [entry.copy, entry.original].sort().join(' ~ ')),
    );
    let closestDistinct = 64;
    for (const [index, first] of hashes.entries()) {
      for (const second of hashes.slice(index + 1)) {
        if (plantedPairs.has([first.path, second.path].sort().join(' ~ '))) continue;
        closestDistinct = Math.min(
          closestDistinct,
          hammingDistance(first.perceptualHash as string, second.perceptualHash as string),
        );
      }
    }
    expect(closestDistinct).toBeGreaterThan(10);
  });

  it('with nearDuplicates: false lists exact copies only', async () => {
    const scan = await scanImageFolder({ root });
    const report = await findImageDuplicates({
      files: scan.files,
      classNames: scan.classNames,
      nearDuplicates: false,
    });
    expect(report.exactGroups).toHaveLength(3);
    expect(report.nearPairs).toEqual([]);
    expect(report.hammingThreshold).toBeUndefined();
    expect(report.summary.withoutHash).toBe(report.summary.distinctContents);
  });

  it('adds pairs from caller-supplied feature vectors, asking once per distinct content', async () => {
    const scan = await scanImageFolder({ root });
    const sourceOf = new Map(
      planted.map((entry) => [join(root, entry.copy), join(root, entry.original)]),
    );
    let asked: readonly DuplicateCandidate[] = [];
    const report = await findImageDuplicates({
      files: scan.files,
      classNames: scan.classNames,
      nearDuplicates: false,
      // A stand-in for backbone features: one direction per original photo, shared by its copies.
      features: async (images) => {
        asked = images;
        const directions = new Map<string, number>();
        const features = new Map<string, Float32Array>();
        for (const image of images) {
          const source = sourceOf.get(image.path) ?? image.path;
          if (!directions.has(source)) directions.set(source, directions.size);
          const vector = new Float32Array(64).fill(0.01);
          vector[directions.get(source) as number] = 1;
          features.set(image.key, vector);
        }
        return features;
      },
    });
    expect(asked).toHaveLength(new Set(asked.map((image) => image.key)).size);
    expect(asked).toHaveLength(30 + planted.filter((entry) => !entry.exact).length);
    expect(report.cosineThreshold).toBe(defaultCosineThreshold);
    expect(report.nearPairs.map((pair) => describePair(root, pair)).sort()).toEqual(
      planted
        .filter((entry) => !entry.exact)
        .map((entry) => `${[entry.copy, entry.original].sort().join(' ~ ')} [${entry.kinds}]`)
        .sort(),
    );
    for (const pair of report.nearPairs) {
      expect(pair.methods).toEqual(['features']);
      expect(pair.cosineSimilarity).toBeGreaterThan(0.99);
    }
  });

  it('rejects invalid thresholds before reading any file', async () => {
    const files = [{ path: join(root, 'missing.jpg'), label: 0 }];
    await expect(
      findImageDuplicates({ files, classNames: ['a'], hammingThreshold: -1 }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      findImageDuplicates({ files, classNames: ['a'], cosineThreshold: 2 }),
    ).rejects.toThrow(/cosineThreshold.*\(0, 1\].*Received: cosineThreshold=2/);
  });
});

describe('findImageDuplicates on broken files', () => {
  it('lists undecodable files and still checks them for exact copies', async () => {
    const good = await readFile((await jpegs('train/bees', 1))[0] as string);
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    const root = await makeImageFolder({
      'a/good.jpg': good,
      'a/broken.jpg': truncated,
      'b/broken-copy.jpg': truncated,
    });
    try {
      const scan = await scanImageFolder({ root });
      const report = await findImageDuplicates({ files: scan.files, classNames: scan.classNames });
      expect(report.unreadable.map((file) => relative(root, file.path))).toEqual([
        'a/broken.jpg',
        'b/broken-copy.jpg',
      ]);
      expect(report.unreadable[0]?.reason).toMatch(/cannot decode image/);
      expect(report.exactGroups.map((group) => group.kinds)).toEqual([['cross-class']]);
      expect(report.summary.withoutHash).toBe(1);
      await expect(hashImageFile({ path: join(root, 'a/broken.jpg') })).rejects.toThrow(
        FileFormatError,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('findImageDuplicates on the real ants/bees train/val set', () => {
  it('finds no exact copies and few near pairs at the default threshold', async () => {
    const folder = await openImageFolder({ root: hymenoptera, imageSize: [224, 224] });
    let progress = 0;
    const report = await folder.findDuplicates({ onProgress: (done) => (progress = done) });
    expect(progress).toBe(397);
    expect(report.summary.images).toBe(397);
    expect(report.exactGroups).toEqual([]);
    // Measured: 0 pairs at 10 bits (the closest distinct photos are 14 bits apart).
    expect(report.nearPairs.length).toBeLessThanOrEqual(2);
    expect(report.unreadable).toEqual([]);
  });
});
