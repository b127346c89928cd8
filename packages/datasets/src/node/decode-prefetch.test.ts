import { join } from 'node:path';
import { disposeBatch, type ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { makeImageFolder } from '../testing/make-image-folder.js';
import { contentKey } from './content-key.js';
import { decodeImage } from './decode-image.js';
import { DecodePrefetch } from './decode-prefetch.js';
import { openImageFolder } from './open-image-folder.js';
import { readImageBytes } from './read-image-bytes.js';

const target = {
  imageSize: [16, 16] as const,
  resize: { mode: 'center-crop' as const, cropFraction: 0.875, interpolation: 'bilinear' as const },
};

async function collect(batches: AsyncIterable<ImageBatch>) {
  const pixels: number[][] = [];
  const keys: string[] = [];
  for await (const batch of batches) {
    pixels.push(Array.from(await batch.images.data()));
    keys.push(...(batch.keys ?? []));
    disposeBatch(batch);
  }
  return { pixels, keys };
}

describe('DecodePrefetch', () => {
  const open: DecodePrefetch[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((prefetch) => prefetch.close()));
  });

  it('hands out the same pixels and key as decodeImage, each file once, only for its target', async () => {
    const root = await makeImageFolder({ 'a/one.jpg': [40, 30], 'a/two.png': [16, 16] });
    const paths = [join(root, 'a/one.jpg'), join(root, 'a/two.png')];
    const prefetch = new DecodePrefetch({ paths, target });
    open.push(prefetch);
    expect(prefetch.take(paths[0] as string, { ...target, imageSize: [8, 8] })).toBeUndefined();
    for (const path of paths) {
      const bytes = await readImageBytes(path);
      const taken = await prefetch.take(path, target);
      expect(taken?.key).toBe(contentKey(bytes));
      // Known without reading the file again, and still after the pixels were taken.
      expect(prefetch.decodedKey(path)).toBe(contentKey(bytes));
      expect(Array.from(taken?.pixels ?? [])).toEqual(
        Array.from(await decodeImage(bytes, path, target)),
      );
      expect(prefetch.take(path, target)).toBeUndefined();
    }
  });

  it('gives a dataset the batches it decodes itself, and leaves a corrupt file to its error', async () => {
    const root = await makeImageFolder({
      'train/ant/1.jpg': [50, 37],
      'train/ant/2.png': [20, 31],
      'train/bee/3.jpg': [16, 16],
      'train/bee/4.webp': [64, 48],
    });
    const folder = await openImageFolder({ root, ...target });
    const plain = folder.dataset('train');
    const prefetch = new DecodePrefetch({ paths: plain.files.map((file) => file.path), target });
    open.push(prefetch);
    const fast = plain.withOptions({ decodePrefetch: prefetch });
    const before = tf.memory().numTensors;
    const expected = await collect(plain.batches({ batchSize: 3 }));
    const actual = await collect(fast.batches({ batchSize: 3 }));
    expect(actual).toEqual(expected);
    // The dataset took every file from the threads (each is handed out once).
    expect(prefetch.handedOut).toBe(prefetch.files);
    expect(prefetch.files).toBe(4);
    for (const file of plain.files) expect(prefetch.take(file.path, target)).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);

    const broken = await makeImageFolder({ 'x/bad.jpg': new Uint8Array([0xff, 0xd8, 0xff, 1, 2]) });
    const badPath = join(broken, 'x/bad.jpg');
    const badPrefetch = new DecodePrefetch({ paths: [badPath], target });
    open.push(badPrefetch);
    const bad = (
      await openImageFolder({ root: broken, ...target, decodePrefetch: badPrefetch })
    ).dataset();
    await expect(collect(bad.batches({ batchSize: 1 }))).rejects.toThrow(/bad\.jpg/);
    expect(badPrefetch.decodedKey(badPath)).toBeUndefined();
    expect(prefetch.decodedKey(badPath)).toBeUndefined();
  });

  it('decodes before its target is known and hands out the same pixels once it is set', async () => {
    // More files than the thread keeps while waiting (48), so the queue must resume after.
    const layout: Record<string, [number, number]> = {};
    for (let index = 0; index < 52; index++) layout[`a/${index}.png`] = [20 + (index % 5), 17];
    const root = await makeImageFolder(layout);
    const paths = Object.keys(layout).map((name) => join(root, name));
    const prefetch = new DecodePrefetch({ paths });
    open.push(prefetch);
    expect(prefetch.target).toBeUndefined();
    // Nothing is handed out before the target is set.
    expect(prefetch.take(paths[0] as string, target)).toBeUndefined();
    // Time for the thread to start and fill its 48 held files, so the rest wait for the target.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // A pixel cap other than the one the files were decoded with is refused.
    expect(prefetch.setTarget({ ...target, maximumPixels: 100 })).toBe(false);
    expect(prefetch.setTarget(target)).toBe(true);
    expect(prefetch.setTarget(target)).toBe(false);
    for (const path of paths.slice(1)) {
      const bytes = await readImageBytes(path);
      const taken = await prefetch.take(path, target);
      expect(taken?.key).toBe(contentKey(bytes));
      expect(Array.from(taken?.pixels ?? [])).toEqual(
        Array.from(await decodeImage(bytes, path, target)),
      );
    }
    expect(prefetch.handedOut).toBe(paths.length - 1);
  });

  it('names a bad option', () => {
    expect(() => new DecodePrefetch({ paths: [], target, threads: 0 })).toThrow(/threads/);
  });
});
