import { createHash } from 'node:crypto';
import { disposeBatch, GraftError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { encodeBmp, encodeNetpbm, testPixels } from '../testing/encode-test-images.js';
import { decodeInBrowser } from './decode-in-browser.js';
import { type ImageFileEntry, openImageFiles } from './open-image-files.js';
import { resizePixels } from './resize-pixels.js';

const entry = (path: string, bytes: Uint8Array): ImageFileEntry => ({
  path,
  read: async () => bytes,
});
const ppm = (seed: number) =>
  encodeNetpbm({
    kind: 'P6',
    width: 4,
    height: 4,
    maxValue: 255,
    samples: [...testPixels(4, 4, seed)],
  });
const bmp = (seed: number) =>
  encodeBmp({ width: 4, height: 4, rgb: testPixels(4, 4, seed), bitsPerPixel: 24 });

describe('openImageFiles', () => {
  it('reads a picked folder of files with the ImageFolder rules', async () => {
    const files = [
      entry('picked/train/bees/b.bmp', bmp(2)),
      entry('picked/train/ants/a.PPM', ppm(1)),
      entry('picked/train/ants/notes.txt', new Uint8Array(2)),
      entry('picked/val/bees/c.ppm', ppm(3)),
      entry('picked/readme.md', new Uint8Array(2)),
    ];
    const collection = openImageFiles({ files, imageSize: [4, 4] });
    expect(collection.layout).toBe('splits');
    expect(collection.classNames).toEqual(['ants', 'bees']);
    expect(collection.splitNames).toEqual(['train', 'val']);
    expect(collection.skipped).toEqual([
      { path: 'picked/train/ants/notes.txt', reason: 'unsupported extension .txt' },
      { path: 'picked/readme.md', reason: 'not inside a class folder' },
    ]);
    const train = collection.dataset('train');
    expect(train.labels()).toEqual([0, 1]);
    const keys: string[] = [];
    for await (const batch of train.batches({ batchSize: 2 })) {
      expect(batch.images.shape).toEqual([2, 4, 4, 3]);
      expect([...(await batch.images.data())].slice(0, 48)).toEqual([...testPixels(4, 4, 1)]);
      keys.push(...(batch.keys ?? []));
      disposeBatch(batch);
    }
    expect(keys).toEqual(
      [ppm(1), bmp(2)].map((bytes) => createHash('sha1').update(bytes).digest('hex')),
    );
    expect(collection.dataset('val').size).toBe(1);
  });

  it('reads a flat class layout, uses a given decoder, and leaks no tensors', async () => {
    const fakeJpeg = new Uint8Array([1, 2, 3]);
    const collection = openImageFiles({
      files: [entry('cats/x.jpg', fakeJpeg), entry('dogs/y.ppm', ppm(4))],
      imageSize: [2, 2],
      resize: { mode: 'stretch', interpolation: 'nearest' },
      decode: async (bytes, file) =>
        file.endsWith('.jpg')
          ? { width: 2, height: 2, data: new Uint8Array(12).fill(200) }
          : decodeInBrowser(bytes, file),
    });
    expect(collection.layout).toBe('classes');
    const dataset = collection.dataset();
    await expectNoTensorLeaks(async () => {
      for await (const batch of dataset.batches({ batchSize: 2 })) {
        expect([...(await batch.images.data())].slice(0, 12)).toEqual(new Array(12).fill(200));
        disposeBatch(batch);
      }
    });
  });

  it('says when no decoder exists for a format, and when there are no images', async () => {
    const collection = openImageFiles({
      files: [entry('a/x.png', new Uint8Array(8))],
      imageSize: [2, 2],
    });
    const iterator = collection.dataset().batches({ batchSize: 1 })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toSatisfy(
      (error: unknown) =>
        GraftError.isInstance(error) &&
        error.code === 'BACKEND_UNAVAILABLE' &&
        error.message.includes('a/x.png'),
    );
    expect(() =>
      openImageFiles({ files: [entry('a/x.gif', new Uint8Array(1))], imageSize: [2, 2] }),
    ).toThrow(/no images with an accepted extension/);
  });
});

describe('resizePixels', () => {
  it('halves without antialiasing as 2x2 block means, and crops the centre', () => {
    const data = new Uint8Array(4 * 4 * 3).map((_, index) => Math.floor(index / 3) * 10);
    const half = resizePixels({ width: 4, height: 4, data }, [2, 2], {
      mode: 'stretch',
      interpolation: 'bilinear',
      antialias: false,
    });
    const mean = (a: number, b: number, c: number, d: number) => Math.round((a + b + c + d) * 2.5);
    expect([...half].filter((_, index) => index % 3 === 0)).toEqual([
      mean(0, 1, 4, 5),
      mean(2, 3, 6, 7),
      mean(8, 9, 12, 13),
      mean(10, 11, 14, 15),
    ]);
    const crop = resizePixels({ width: 4, height: 4, data }, [2, 2], {
      mode: 'center-crop',
      cropFraction: 0.5,
      interpolation: 'nearest',
    });
    expect([...crop].filter((_, index) => index % 3 === 0)).toEqual([50, 60, 90, 100]);
    // The same function as Node's pipeline: bicubic works in the browser too.
    expect(
      resizePixels({ width: 4, height: 4, data }, [2, 2], {
        mode: 'stretch',
        interpolation: 'bicubic',
      }),
    ).toHaveLength(12);
  });
});
