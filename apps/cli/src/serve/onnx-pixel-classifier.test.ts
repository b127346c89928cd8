import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageClassifier } from '@graft/predictor';
import { loadClassifier } from '@graft/predictor/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';
import { createPredictionServer } from './create-prediction-server.js';
import { createOnnxPixelClassifier, type OnnxPixelClassifier } from './onnx-pixel-classifier.js';

// `graft serve --engine onnx`'s engine against the tfjs classifier it was converted from.
const project = useTinyProject({ name: 'serve-onnx', images: { train: 4, val: 2 } });
let classifier: ImageClassifier;
let engine: OnnxPixelClassifier;
let pixels: Uint8Array[];
let files: Buffer[];

beforeAll(async () => {
  const { out } = await trainTinyRun(project(), 'run');
  classifier = await loadClassifier(join(out, 'model'), { maximumPixels: 1_000_000 });
  engine = await createOnnxPixelClassifier({ classifier, threads: 1 });
  files = [];
  for (const label of ['red', 'green', 'blue']) {
    const folder = join(project(), 'data', 'val', label);
    for (const name of (await readdir(folder)).sort()) {
      files.push(await readFile(join(folder, name)));
    }
  }
  pixels = await Promise.all(files.map((bytes, index) => classifier.pixels(bytes, `${index}`)));
}, 120_000);

afterAll(async () => {
  await engine?.close();
  classifier?.dispose();
});

describe('createOnnxPixelClassifier', () => {
  it('gives the labels, order and probabilities (within 1e-5) the tfjs classifier gives', async () => {
    const reference = await classifier.classifyPixels(pixels);
    const onnx = await engine.classifyPixels(pixels);
    expect(onnx).toHaveLength(pixels.length);
    onnx.forEach((predictions, image) => {
      const expected = reference[image] ?? [];
      expect(predictions.map((prediction) => prediction.label)).toEqual(
        expected.map((prediction) => prediction.label),
      );
      predictions.forEach((prediction, rank) => {
        expect(prediction.index).toBe(expected[rank]?.index);
        expect(prediction.probability).toBeCloseTo(expected[rank]?.probability ?? Number.NaN, 5);
      });
    });
    // One image alone gives what it gives in a batch.
    const [alone] = await engine.classifyPixels([pixels[0] as Uint8Array]);
    expect(alone).toEqual(onnx[0]);
  });

  it('serves /v1/predict through the engine with the answers of the tfjs server', async () => {
    const answers: unknown[] = [];
    for (const options of [{}, { engine }]) {
      const { app, warmUp } = createPredictionServer({
        classifier,
        maxBatch: 4,
        maxWaitMs: 2,
        maxQueue: 64,
        bodyLimit: 64 * 1024,
        maxImages: 4,
        timeoutMs: 30_000,
        defaultTop: 2,
        ...options,
      });
      await warmUp();
      const response = await app.inject({
        method: 'POST',
        url: '/v1/predict',
        headers: { 'content-type': 'application/octet-stream' },
        payload: files[0] as Buffer,
      });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json() as {
        predictions: { top: { label: string; probability: number }[] }[];
      };
      answers.push(
        body.predictions.map((prediction) =>
          prediction.top.map(({ label, probability }) => ({
            label,
            probability: probability.toFixed(4),
          })),
        ),
      );
      await app.close();
    }
    expect(answers[1]).toEqual(answers[0]);
  });

  it('refuses pixels of the wrong size, naming the image', async () => {
    await expect(engine.classifyPixels([new Uint8Array(5)])).rejects.toThrow(/images\[0\]/);
  });
});
