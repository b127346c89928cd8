import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClassLabels } from '../node/load-class-labels.js';
import { decodeTestImage } from '../test-support/decode-test-image.js';
import { createMobileNetV2, type MobileNetV2Backbone } from './create-mobilenet-v2.js';
import { imageNetClassLabels } from './mobilenet-v2-weights.js';

const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const imagesDir = join(sharedDir, 'images/imagenet-samples');
const expected = (
  JSON.parse(readFileSync(join(imagesDir, 'expected.json'), 'utf8')) as {
    expected: Record<string, { index: number; name: string; observed_prob: number }>;
  }
).expected;

describe('MobileNetV2 1.0 ImageNet classifier from the Keras .h5', () => {
  let cacheDir: string;
  let backbone: MobileNetV2Backbone;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    cacheDir = await mkdtemp(join(tmpdir(), 'graft-backbones-cache-'));
    backbone = await createMobileNetV2({
      alpha: 1.0,
      includeTop: true,
      cacheDir,
      mirrorDirs: [mirrorDir],
      offline: true,
    });
  });
  afterAll(async () => {
    backbone?.dispose();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('classifies every expected sample photo correctly (decode → 224 bilinear → x/127.5-1)', async () => {
    const labels = await loadClassLabels({
      classLabels: imageNetClassLabels,
      cacheDir,
      mirrorDirs: [mirrorDir],
      offline: true,
    });
    expect(labels).toHaveLength(1000);
    const classifier = backbone.classifier;
    if (classifier === undefined) throw new Error('includeTop gives a classifier');
    const files = Object.keys(expected);
    expect(files.length).toBeGreaterThanOrEqual(6);
    const batch = tf.stack(
      await Promise.all(
        files.map(async (file) => {
          const image = await decodeTestImage(join(imagesDir, file));
          const input = tf.tidy(() =>
            tf.sub(tf.div(tf.image.resizeBilinear(image, [224, 224]), 127.5), 1),
          );
          image.dispose();
          return input;
        }),
      ),
    ) as tf.Tensor4D;
    const probabilities = classifier.predict(batch) as tf.Tensor2D;
    const features = backbone.model.predict(batch) as tf.Tensor2D;
    expect(features.shape).toEqual([files.length, 1280]);
    const top = tf.topk(probabilities, 1);
    const indices = Array.from(top.indices.dataSync());
    const values = Array.from(top.values.dataSync());
    const report = files.map(
      (file, row) =>
        `${file}: ${indices[row]} ${labels[indices[row] ?? 0]?.name} ${values[row]?.toFixed(4)}`,
    );
    console.info(`MobileNetV2 1.0 top-1:\n${report.join('\n')}`);
    files.forEach((file, row) => {
      const entry = expected[file];
      expect(indices[row], file).toBe(entry?.index);
      expect(labels[indices[row] ?? 0]?.name).toBe(entry?.name);
      // BMPs decode exactly as the reference did; JPEG decoders differ slightly (libjpeg-turbo there).
      const tolerance = file.endsWith('.bmp') ? 0.001 : 0.02;
      expect(Math.abs((values[row] ?? 0) - (entry?.observed_prob ?? 0)), file).toBeLessThan(
        tolerance,
      );
    });
    tf.dispose([batch, probabilities, features, top.indices, top.values]);
  });
});
