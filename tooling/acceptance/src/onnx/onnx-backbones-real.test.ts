import { join } from 'node:path';
import { createMobileNetV2, createResNet, type GraftBackbone } from '@graft/backbones';
import { convertToOnnx, describeOnnxModel } from '@graft/onnx';
import { compareWithOnnxRuntime } from '@graft/onnx/testing';
import { initBackend } from '@graft/runtime';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePhotos } from './sample-images.js';

// Issue 19: the ONNX graphs @graft/onnx builds from the built-in backbones with real weights
// give the features tfjs (wasm) gives, within 1e-4, on the shared ImageNet photos, at batch 1 and 3.
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '';
const mirrorDir = process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights');
const resnetDir = join(sharedDir, 'fixtures/resnet');

interface Case {
  label: string;
  create: () => Promise<GraftBackbone>;
}

const cases: Case[] = [
  {
    label: 'MobileNetV2 1.0 (Keras .h5 weights)',
    create: () =>
      createMobileNetV2({
        alpha: 1.0,
        mirrorDirs: [mirrorDir],
        offline: true,
        cacheDir: '/nonexistent',
      }),
  },
  {
    label: 'MobileNetV2 0.35 (Teachable Machine ImageNet base)',
    create: () =>
      createMobileNetV2({
        alpha: 0.35,
        mirrorDirs: [mirrorDir],
        offline: true,
        cacheDir: '/nonexistent',
      }),
  },
  {
    label: 'ResNet18 (torchvision-layout fixture weights)',
    create: () => createResNet({ depth: 18, weightsPath: join(resnetDir, 'resnet18.safetensors') }),
  },
  {
    label: 'ResNet50 (torchvision-layout fixture weights)',
    create: () => createResNet({ depth: 50, weightsPath: join(resnetDir, 'resnet50.safetensors') }),
  },
];

describe.each(cases)('convertToOnnx: $label', ({ create }) => {
  let backbone: GraftBackbone;
  let single: tf.Tensor4D;
  let triple: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    backbone = await create();
    single = await samplePhotos(backbone.preprocessing, 1);
    triple = await samplePhotos(backbone.preprocessing, 3, 1);
  });
  afterAll(() => {
    tf.dispose([single, triple]);
    backbone?.dispose();
  });

  const variants: Array<[string, () => tfl.LayersModel]> = [
    ['model', () => backbone.model],
    ['inferenceModel()', () => backbone.inferenceModel()],
  ];
  for (const [variant, pick] of variants) {
    it(`${variant}: the same features at batch 1 and 3 (max abs ≤ 1e-4)`, async () => {
      const model = pick();
      const bytes = convertToOnnx({ model });
      const description = describeOnnxModel(bytes);
      expect(description.inputs).toEqual([
        { name: model.inputNames[0], shape: ['batch', 224, 224, 3] },
      ]);
      expect(description.outputs[0]?.shape).toEqual(['batch', backbone.featureDim]);
      for (const input of [single, triple]) {
        const agreement = await compareWithOnnxRuntime({ model, bytes, input });
        console.info(
          `${backbone.name} ${variant} batch ${input.shape[0]}: max abs ${agreement.maxAbsolute.toExponential(2)} (max |feature| ${agreement.scale.toFixed(3)})`,
        );
        expect(agreement.onnxShape).toEqual([input.shape[0], backbone.featureDim]);
        // Features of this size: a difference of 1e-4 is meaningful, not rounding.
        expect(agreement.scale).toBeGreaterThan(0.5);
        expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});
