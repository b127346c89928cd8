import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { exportClassifierToOnnx } from '@graft/onnx';
import { loadClassifier as loadClassifierDirectory } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyClassifier } from '../testing/write-tiny-classifier.js';
import { loadClassifier } from './load-classifier.js';

// A `graft export --format onnx` folder (model.onnx + metadata.json) through the one-call API.
let directory = '';
const pixels = Uint8Array.from({ length: 20 * 12 * 3 }, (_, index) => (index * 37) % 256);
const image = { width: 20, height: 12, data: new Uint8Array(20 * 12 * 4) };
for (let pixel = 0; pixel < 20 * 12; pixel++) {
  image.data.set([...pixels.subarray(pixel * 3, pixel * 3 + 3), 255], pixel * 4);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'graft-predictor-onnx-'));
  await writeTinyClassifier(join(directory, 'tfjs'));
  const classifier = await loadClassifierDirectory(join(directory, 'tfjs'));
  const files = exportClassifierToOnnx({ model: classifier.model, metadata: classifier.metadata });
  classifier.dispose();
  await mkdir(join(directory, 'onnx'));
  await writeFile(join(directory, 'onnx', 'model.onnx'), files.model);
  await writeFile(join(directory, 'onnx', 'metadata.json'), JSON.stringify(files.metadata));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadClassifier (Node) on an ONNX export folder', () => {
  it('runs model.onnx on ONNX Runtime with the answers of the tfjs folder (1e-5)', async () => {
    const reference = await loadClassifier(join(directory, 'tfjs'));
    const onnx = await loadClassifier(join(directory, 'onnx'));
    try {
      expect(reference.engine.name).toBe('tfjs');
      expect(onnx.engine.name).toBe('onnx');
      expect(onnx.classifier).toBeUndefined();
      expect(onnx.labels).toEqual(reference.labels);
      const expected = await reference.classify(image);
      const actual = await onnx.classify(image);
      expect(actual.map((entry) => entry.label)).toEqual(expected.map((entry) => entry.label));
      actual.forEach((entry, rank) => {
        expect(Math.abs(entry.probability - (expected[rank]?.probability ?? 0))).toBeLessThan(1e-5);
      });
      expect(await onnx.classify(image, { topK: 1 })).toHaveLength(1);
    } finally {
      await reference.dispose();
      await onnx.dispose();
    }
  });

  it('refuses engine tfjs on it, naming the argument, the value and the choices', async () => {
    const attempt = loadClassifier(join(directory, 'onnx'), { engine: 'tfjs' });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(/`engine`[\s\S]*auto, tfjs, onnx[\s\S]*engine="tfjs"/);
  });
});
