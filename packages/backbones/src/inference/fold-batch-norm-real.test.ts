import '@tensorflow/tfjs-backend-wasm';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraftBackbone } from '../custom/backbone-from-model.js';
import { createMobileNetV2 } from '../mobilenet-v2/create-mobilenet-v2.js';
import { createResNet } from '../resnet/create-resnet.js';
import { decodeTestImage } from '../test-support/decode-test-image.js';
import { compareOutputs, kernelCensus } from './testing-helpers.js';

// Folded vs original features of the built-in backbones with real weights on real photos.
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const imagesDir = join(sharedDir, 'images/imagenet-samples');
const resnetDir = join(sharedDir, 'fixtures/resnet');

/** Four sample photos, resized to 224 and preprocessed for `backbone`. */
async function samplePhotos(backbone: GraftBackbone): Promise<tf.Tensor4D> {
  const files = readdirSync(imagesDir)
    .filter((file) => /\.(jpg|bmp)$/i.test(file))
    .sort()
    .slice(0, 4);
  const { mean, std, inputRange } = backbone.preprocessing;
  const images = await Promise.all(files.map((file) => decodeTestImage(join(imagesDir, file))));
  const batch = tf.tidy(() => {
    const resized = images.map((image) => tf.image.resizeBilinear(image, [224, 224]));
    const unit = tf.div(tf.stack(resized), 255);
    const ranged = tf.add(tf.mul(unit, inputRange[1] - inputRange[0]), inputRange[0]);
    return tf.div(tf.sub(ranged, tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor4D;
  });
  tf.dispose(images);
  return batch;
}

interface Case {
  label: string;
  create: () => Promise<GraftBackbone>;
  /** Kernels that must be gone from the folded network. */
  absent: string[];
  /** Expected count of PadV2 kernels left in the folded network. */
  padsLeft: number;
}

const cases: Case[] = [
  {
    label: 'MobileNetV2 0.35 (Teachable Machine ImageNet weights)',
    create: () =>
      createMobileNetV2({
        alpha: 0.35,
        mirrorDirs: [mirrorDir],
        offline: true,
        cacheDir: '/nonexistent',
      }),
    absent: ['FusedBatchNorm', 'Relu', 'Relu6', 'ClipByValue'],
    padsLeft: 0,
  },
  {
    label: 'MobileNetV2 1.0 (Keras .h5 weights)',
    create: () =>
      createMobileNetV2({
        alpha: 1.0,
        mirrorDirs: [mirrorDir],
        offline: true,
        cacheDir: '/nonexistent',
      }),
    absent: ['FusedBatchNorm', 'Relu', 'Relu6', 'ClipByValue'],
    padsLeft: 0,
  },
  {
    label: 'ResNet18 (torchvision-layout fixture weights, real BatchNorm statistics)',
    create: () => createResNet({ depth: 18, weightsPath: join(resnetDir, 'resnet18.safetensors') }),
    absent: ['FusedBatchNorm'],
    // The max pool's padding stays (it is not a convolution).
    padsLeft: 1,
  },
  {
    label: 'ResNet50 (torchvision-layout fixture weights, real BatchNorm statistics)',
    create: () => createResNet({ depth: 50, weightsPath: join(resnetDir, 'resnet50.safetensors') }),
    absent: ['FusedBatchNorm'],
    padsLeft: 1,
  },
];

describe.each(cases)('inferenceModel(): $label', ({ create, absent, padsLeft }) => {
  let backbone: GraftBackbone;
  let photos: tf.Tensor4D;

  beforeAll(async () => {
    await tf.setBackend('wasm');
    backbone = await create();
    photos = await samplePhotos(backbone);
  });
  afterAll(() => {
    photos?.dispose();
    backbone?.dispose();
  });

  it('gives the same features as the original model in inference mode', () => {
    const folded = backbone.inferenceModel();
    const difference = compareOutputs(backbone.model, folded, photos);
    console.info(`${backbone.name}: ${JSON.stringify(difference)}`);
    expect(difference.maxRelative).toBeLessThan(1e-4);
    expect(difference.maxAbsolute).toBeLessThan(1e-4 * difference.scale);
  });

  it('runs without the folded kernels', async () => {
    const folded = backbone.inferenceModel();
    const before = await kernelCensus(backbone.model, photos);
    const after = await kernelCensus(folded, photos);
    console.info(
      `${backbone.name}: before ${JSON.stringify(before)} after ${JSON.stringify(after)}`,
    );
    expect(before.FusedBatchNorm ?? 0).toBeGreaterThan(0);
    for (const kernel of absent) expect(after[kernel] ?? 0).toBe(0);
    expect(after.PadV2 ?? 0).toBe(padsLeft);
    expect(before.PadV2 ?? 0).toBeGreaterThan(padsLeft);
  });
});
