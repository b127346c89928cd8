import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeBatch, FileFormatError, InvalidArgumentError } from '@graft/core';
import { decodePixels, FileImageDataset } from '@graft/datasets/node';
import type { Classifier } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageClassifier } from '../image-classifier.js';
import { loadClassifier as loadBrowserClassifier } from '../load-classifier.js';
import { writeTinyClassifier } from '../testing/write-tiny-classifier.js';
import { loadClassifier } from './load-classifier.js';

/** A 40x24 gradient with an alpha channel (so decoding must drop it), as RGBA. */
function gradient(): { width: number; height: number; data: Uint8ClampedArray } {
  const width = 40;
  const height = 24;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      data.set([x * 6, y * 10, (x * y) % 256, 200], offset);
    }
  }
  return { width, height, data };
}

describe('loadClassifier (Node) + classify', () => {
  let directory = '';
  let classifier: ImageClassifier;
  let png: Uint8Array;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-predictor-'));
    await writeTinyClassifier(join(directory, 'model'));
    classifier = await loadClassifier(join(directory, 'model'), { maximumPixels: 1_000_000 });
    const { width, height, data } = gradient();
    png = await sharp(Buffer.from(data.buffer), { raw: { width, height, channels: 4 } })
      .png()
      .toBuffer();
  });
  afterAll(async () => {
    classifier?.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  it('gives the probabilities graft predict gives (the file pipeline of training)', async () => {
    const file = join(directory, 'image.png');
    await writeFile(file, png);
    const dataset = new FileImageDataset({
      files: [{ path: file, label: 0 }],
      classNames: classifier.labels,
      imageSize: classifier.inputSize,
      resize: classifier.metadata.graft.preprocessing.resize,
    });
    let expected: number[] = [];
    for await (const batch of dataset.batches({ batchSize: 1 })) {
      const probabilities = (classifier.classifier as Classifier).predictProbabilities(
        batch.images,
      );
      expected = Array.from(await probabilities.data());
      probabilities.dispose();
      disposeBatch(batch);
    }
    const predictions = await classifier.classify(png);
    expect(predictions.map((prediction) => prediction.label).sort()).toEqual([
      'blue',
      'green',
      'red',
    ]);
    for (const prediction of predictions) {
      expect(prediction.probability).toBe(expected[prediction.index]);
    }
    expect(predictions[0]?.probability).toBe(Math.max(...expected));
  });

  it('classifies ImageData and tensors of the same pixels exactly as their PNG', async () => {
    const fromBytes = await classifier.classify(
      png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer,
    );
    const fromImageData = await classifier.classify(gradient());
    const { width, height, data } = gradient();
    const rgb = tf.tidy(() =>
      tf.slice(
        tf.tensor3d(Int32Array.from(data), [height, width, 4], 'int32'),
        [0, 0, 0],
        [-1, -1, 3],
      ),
    ) as tf.Tensor3D;
    const fromTensor = await classifier.classify(rgb);
    rgb.dispose();
    expect(fromImageData).toEqual(fromBytes);
    expect(fromTensor).toEqual(fromBytes);
  });

  it('returns the top k, most probable first, and leaks no tensor', async () => {
    await classifier.classify(png);
    const before = tf.memory().numTensors;
    const top = await classifier.classify(png, { topK: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(top).toHaveLength(2);
    expect(top[0]?.probability).toBeGreaterThanOrEqual(top[1]?.probability ?? 1);
  });

  it('refuses bad input with errors naming the problem', async () => {
    const text = new TextEncoder().encode('not an image at all');
    await expect(classifier.pixels(text, 'upload.bin')).rejects.toThrow(FileFormatError);
    await expect(classifier.pixels(text, 'upload.bin')).rejects.toThrow(/upload\.bin/);
    const truncated = png.subarray(0, png.length >> 1);
    await expect(classifier.pixels(truncated, 'half.png')).rejects.toThrow(/half\.png/);
    const huge = await sharp({
      create: { width: 2000, height: 1000, channels: 3, background: 'white' },
    })
      .png()
      .toBuffer();
    await expect(classifier.pixels(huge, 'huge.png')).rejects.toThrow(/2000x1000.*1000000/);
    await expect(classifier.classify('cat.jpg' as never)).rejects.toThrow(InvalidArgumentError);
    await expect(classifier.classify(png, { topK: 0 })).rejects.toThrow(/topK/);
  });

  it('loads the same classifier from a base URL (Node and the browser entry point)', async () => {
    const server = createServer((request, response) => {
      readFile(join(directory, 'model', request.url ?? ''))
        .then((bytes) => response.end(bytes))
        .catch(() => response.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const expected = await classifier.classify(png);
      const fromUrl = await loadClassifier(base);
      // The browser entry point, with Node's decoder standing in for createImageBitmap.
      const browser = await loadBrowserClassifier(base, {
        decode: (bytes, name) => decodePixels(bytes, name),
      });
      try {
        expect(await fromUrl.classify(png)).toEqual(expected);
        expect(await browser.classify(png)).toEqual(expected);
      } finally {
        fromUrl.dispose();
        browser.dispose();
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
