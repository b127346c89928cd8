import {
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  disposeBatch,
  FileFormatError,
  type ImageView,
  normalizePixels,
  type Preprocessing,
} from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { cropResizeRgb } from '../pipeline/crop-resize-rgb.js';
import { encodeTestImage, makeImageFolder } from '../testing/make-image-folder.js';
import type { FileImageDataset } from './file-image-dataset.js';
import { openImageFolder } from './open-image-folder.js';
import type { PixelCacheOptions } from './pixel-cache.js';

const temporary: string[] = [];
afterAll(async () => {
  for (const path of temporary) await rm(path, { recursive: true, force: true });
});

async function setUp(pixelCache?: Partial<PixelCacheOptions>) {
  const root = await makeImageFolder({
    'ants/a.jpg': [64, 48],
    'ants/b.png': [40, 52],
    'bees/c.jpg': [50, 50],
    'bees/d.ppm': [36, 30],
    'bees/e.png': [70, 40],
  });
  const cache = await mkdtemp(join(tmpdir(), 'graft-pixel-cache-'));
  temporary.push(root, cache);
  const warnings: string[] = [];
  const folder = await openImageFolder({
    root,
    imageSize: [16, 16],
    pixelCache: { directory: cache, onWarning: (message) => warnings.push(message), ...pixelCache },
  });
  return { root, cache, warnings, dataset: folder.dataset() as FileImageDataset };
}

/** Seeded-looking but fixed views: batch index and position decide the box and the flip. */
function viewsOf(batchIndex: number, count: number): ImageView[] {
  return Array.from({ length: count }, (_, index) => ({
    top: (batchIndex + index) % 4,
    left: (index * 3) % 5,
    height: 10 + index,
    width: 9 + batchIndex,
    flipHorizontal: index % 2 === 1,
  }));
}

/** One pass: pixels, keys and shapes in stream order. */
async function pass(
  dataset: FileImageDataset,
  options: { epoch?: number; stopAfter?: number; normalizeFor?: Preprocessing } = {},
) {
  const pixels: number[][] = [];
  const keys: string[] = [];
  const shapes: number[][] = [];
  const normalized: boolean[] = [];
  let batches = 0;
  for await (const batch of dataset.viewBatches({
    ...(options.normalizeFor ? { normalizeFor: options.normalizeFor } : {}),
    batchSize: 2,
    shuffle: true,
    seed: 3,
    epoch: options.epoch ?? 0,
    outputSize: [12, 14],
    viewsOf,
  })) {
    shapes.push(batch.images.shape);
    normalized.push(batch.normalized ?? false);
    pixels.push(Array.from(batch.images.dataSync()));
    keys.push(...(batch.keys ?? []));
    disposeBatch(batch);
    batches++;
    if (options.stopAfter !== undefined && batches >= options.stopAfter) break;
  }
  // The pass publishes its cache file in the background; these tests look at the file.
  await dataset.pixelCacheWritten();
  return { pixels, keys, shapes, normalized };
}

async function cacheFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort();
}

describe('FileImageDataset.viewBatches', () => {
  it('cuts every image to the views’ output size, with content keys, and leaks no tensors', async () => {
    const { dataset } = await setUp();
    const first = await pass(dataset);
    expect(first.shapes).toEqual([
      [2, 12, 14, 3],
      [2, 12, 14, 3],
      [1, 12, 14, 3],
    ]);
    const clean: string[] = [];
    for await (const batch of dataset.batches({ batchSize: 2, shuffle: true, seed: 3 })) {
      clean.push(...(batch.keys ?? []));
      disposeBatch(batch);
    }
    expect(first.keys).toEqual(clean);
    await pass(dataset);
    await expectNoTensorLeaks(() => pass(dataset));
  });

  it('cuts the same views in worker threads (viewThreads), on the first and on cached passes', async () => {
    const { dataset } = await setUp();
    const threaded = dataset.withOptions({ viewThreads: 1 });
    const reference = await pass(dataset);
    // The first threaded pass reads the cache the reference wrote; a fresh one decodes and writes.
    expect(await pass(threaded)).toEqual(reference);
    const second = await setUp();
    const fresh = second.dataset.withOptions({ viewThreads: 2 });
    expect(await pass(fresh)).toEqual(reference);
    // The threads wrote the frames into the cache file themselves: with every source now garbage
    // (same size and mtime), only frames read back from that file give the same pixels.
    for (const name of ['ants/a.jpg', 'ants/b.png', 'bees/c.jpg', 'bees/d.ppm', 'bees/e.png']) {
      const source = join(second.root, name);
      const original = await stat(source);
      await writeFile(source, Buffer.alloc(original.size, 7));
      await utimes(source, original.atime, original.mtime);
    }
    expect(await pass(fresh)).toEqual(reference);
    expect(() => dataset.withOptions({ viewThreads: -1 })).toThrow(/viewThreads/);
  });

  it('fails on a bad file in worker threads as on this thread, and skips it when asked', async () => {
    const { root } = await setUp();
    const good = await readFile(join(root, 'ants/a.jpg'));
    await writeFile(join(root, 'ants/bad.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    const cache = await mkdtemp(join(tmpdir(), 'graft-pixel-cache-'));
    temporary.push(cache);
    const open = async (onBadImage: 'error' | 'skip') =>
      (
        await openImageFolder({
          root,
          imageSize: [16, 16],
          onBadImage,
          pixelCache: { directory: cache },
        })
      ).dataset() as FileImageDataset;
    const failing = (await open('error')).withOptions({ viewThreads: 2 });
    const error = await pass(failing).catch((caught: unknown) => caught);
    expect(FileFormatError.isInstance(error)).toBe(true);
    expect((error as FileFormatError).file).toMatch(/bad\.jpg$/);
    const skipping = await open('skip');
    const onThisThread = await pass(skipping);
    expect(onThisThread.keys).toHaveLength(5);
    expect(await pass(skipping.withOptions({ viewThreads: 2 }))).toEqual(onThisThread);
  });

  it('normalises while cutting (normalizeFor), on this thread and in worker threads, as normalizePixels would', async () => {
    const { dataset } = await setUp();
    const plain = await pass(dataset);
    expect(plain.normalized).toEqual([false, false, false]);
    for (const channelOrder of ['rgb', 'bgr'] as const) {
      const preprocessing: Preprocessing = {
        inputSize: [12, 14],
        channelOrder,
        inputRange: [-1, 1],
        mean: [0.5, 0.25, 0.125],
        std: [0.5, 0.75, 2],
        resize: { mode: 'stretch', interpolation: 'bilinear' },
      };
      const expected = plain.pixels.map((values) =>
        Array.from(normalizePixels(Uint8Array.from(values), preprocessing)),
      );
      for (const viewThreads of [0, 1]) {
        const result = await pass(dataset.withOptions({ viewThreads }), {
          normalizeFor: preprocessing,
        });
        expect(result.normalized).toEqual([true, true, true]);
        expect(result.keys).toEqual(plain.keys);
        expect(result.pixels).toEqual(expected);
      }
    }
  });

  it('writes the pixel cache after a full pass and reads frames from it, not the files', async () => {
    const { root, dataset, cache } = await setUp();
    const first = await pass(dataset);
    const [file] = await cacheFiles(cache);
    expect(file).toMatch(/\.pixels$/);
    const written = await stat(join(cache, file as string));
    // Same size and mtime but garbage bytes: only a read from the cache can give the old pixels.
    const source = join(root, 'ants/b.png');
    const original = await stat(source);
    await writeFile(source, Buffer.alloc(original.size, 7));
    await utimes(source, original.atime, original.mtime);
    const second = await pass(dataset);
    expect(second.pixels).toEqual(first.pixels);
    expect(second.keys).toEqual(first.keys);
    // A pass with every slot valid rewrites nothing.
    expect((await stat(join(cache, file as string))).mtimeMs).toBe(written.mtimeMs);
  });

  it('publishes the cache file in the background, and the next pass waits for it', async () => {
    const { dataset, cache } = await setUp();
    const views = { batchSize: 2, shuffle: true, seed: 3, outputSize: [12, 14] as const, viewsOf };
    let batches = 0;
    for await (const batch of dataset.viewBatches({ ...views, epoch: 0 })) {
      disposeBatch(batch);
      batches++;
    }
    expect(batches).toBeGreaterThan(0);
    // A second pass, started at once, waits for that file and reads every frame from it.
    const second = dataset.withOptions({});
    const keys: string[] = [];
    for await (const batch of second.viewBatches({ ...views, epoch: 1 })) {
      keys.push(...(batch.keys ?? []));
      disposeBatch(batch);
    }
    const [file] = await cacheFiles(cache);
    expect(file).toMatch(/\.pixels$/);
    const published = await stat(join(cache, file as string));
    await second.pixelCacheWritten();
    // Nothing was missing in the second pass: no new file replaced the first one.
    const after = await stat(join(cache, file as string));
    expect([after.ino, after.mtimeMs]).toEqual([published.ino, published.mtimeMs]);
    expect(keys).toHaveLength(dataset.size);
  });

  it('decodes an edited file again and keeps a touched one', async () => {
    const { root, dataset, cache } = await setUp();
    const first = await pass(dataset);
    const [file] = await cacheFiles(cache);
    const path = join(cache, file as string);
    const before = await readFile(path);
    // Touched, same bytes: still valid, the file is not rewritten.
    await utimes(join(root, 'ants/a.jpg'), new Date(), new Date(Date.now() + 5000));
    await pass(dataset);
    expect((await readFile(path)).equals(before)).toBe(true);
    // Edited: that image's frame is decoded again and the cache rewritten with the new key.
    await writeFile(join(root, 'ants/a.jpg'), await encodeTestImage('x.jpg', 64, 48, 99));
    const edited = await pass(dataset);
    expect(edited.pixels).not.toEqual(first.pixels);
    const after = await readFile(path);
    expect(after.equals(before)).toBe(false);
    const again = await pass(dataset);
    expect(again.pixels).toEqual(edited.pixels);
    expect(again.keys).toEqual(edited.keys);
  });

  it('never reads a truncated cache file and leaves no file after an abandoned pass', async () => {
    const { dataset, cache } = await setUp();
    await pass(dataset, { stopAfter: 1 });
    expect(await cacheFiles(cache)).toEqual([]);
    const full = await pass(dataset);
    const [file] = await cacheFiles(cache);
    const path = join(cache, file as string);
    const size = (await stat(path)).size;
    await truncate(path, size - 3);
    // The footer no longer matches: every frame is decoded again and the file rewritten whole.
    const reread = await pass(dataset);
    expect(reread.pixels).toEqual(full.pixels);
    expect((await stat(path)).size).toBe(size);
    expect(await cacheFiles(cache)).toEqual([file]);
  });

  it('stays off, with a message naming the budget, when the frames do not fit', async () => {
    const { dataset, cache, warnings } = await setUp({ maximumBytes: 1000 });
    const result = await pass(dataset);
    expect(result.shapes.length).toBe(3);
    expect(await cacheFiles(cache)).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/pixel cache off: 5 images need .* over the budget of/);
  });

  it('rejects a frame scale below 1, naming the option', async () => {
    const { dataset } = await setUp({ frameScale: 0.5 });
    await expect(pass(dataset)).rejects.toThrow(/pixelCache\.frameScale/);
  });
});

describe('cropResizeRgb', () => {
  const image = Uint8Array.from({ length: 4 * 3 * 3 }, (_, index) => index * 7);

  it('returns the crop as is at its own size, and mirrored when asked', () => {
    const box = { top: 1, left: 1, height: 2, width: 2 };
    const same = cropResizeRgb(image, {
      size: [4, 3],
      box,
      outputSize: [2, 2],
      flipHorizontal: false,
    });
    const row = (y: number, x: number) =>
      Array.from(image.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3));
    expect(Array.from(same)).toEqual([...row(1, 1), ...row(1, 2), ...row(2, 1), ...row(2, 2)]);
    const mirrored = cropResizeRgb(image, {
      size: [4, 3],
      box,
      outputSize: [2, 2],
      flipHorizontal: true,
    });
    expect(Array.from(mirrored)).toEqual([...row(1, 2), ...row(1, 1), ...row(2, 2), ...row(2, 1)]);
  });

  it('interpolates linearly between pixel centres when enlarging', () => {
    const line = Uint8Array.from([0, 0, 0, 100, 100, 100]);
    const output = cropResizeRgb(line, {
      size: [1, 2],
      box: { top: 0, left: 0, height: 1, width: 2 },
      outputSize: [1, 4],
      flipHorizontal: false,
    });
    // Half-pixel centres: samples at x = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
    expect(Array.from(output.filter((_, index) => index % 3 === 0))).toEqual([0, 25, 75, 100]);
  });
});
