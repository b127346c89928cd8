import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMobileNetV2, createResNet, type GraftBackbone } from '@graft/backbones';
import { convertToOnnx, describeOnnxModel } from '@graft/onnx';
import { compareWithOnnxRuntime } from '@graft/onnx/testing';
import { initBackend } from '@graft/runtime';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosNamed, sampleImagesDir, samplePhotos } from './sample-images.js';

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
    // Features up to ~62 here: tfjs's own cpu and wasm backends differ by 1.0e-4 on them, so
    // 1e-4 is float32's noise floor (ONNX Runtime at graphOptimizationLevel 'all' measures ~9e-5).
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
      const tensorsBefore = tf.memory().numTensors;
      const bytes = convertToOnnx({ model });
      // Weights are read into plain arrays: no tensor created, none of the model's disposed.
      expect(tf.memory().numTensors).toBe(tensorsBefore);
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

interface ExpectedTopOne {
  index: number;
  also_acceptable?: Array<{ index: number }>;
}

describe('convertToOnnx: MobileNetV2 1.0 ImageNet classifier (includeTop, Keras .h5)', () => {
  it("gives tfjs's probabilities and the expected top-1 classes at batch 1 and 3", async () => {
    await initBackend({ prefer: 'wasm' });
    const backbone = await createMobileNetV2({
      alpha: 1.0,
      includeTop: true,
      mirrorDirs: [mirrorDir],
      offline: true,
      cacheDir: '/nonexistent',
    });
    const expected = (
      JSON.parse(readFileSync(join(sampleImagesDir, 'expected.json'), 'utf8')) as {
        expected: Record<string, ExpectedTopOne>;
      }
    ).expected;
    const classifier = backbone.classifier;
    if (classifier === undefined) throw new Error('includeTop gives a classifier');
    try {
      const bytes = convertToOnnx({ model: classifier });
      for (const files of [Object.keys(expected).slice(0, 1), Object.keys(expected).slice(1, 4)]) {
        const batch = await photosNamed(backbone.preprocessing, files);
        const agreement = await compareWithOnnxRuntime({ model: classifier, bytes, input: batch });
        console.info(
          `mobilenet_v2_1.0 classifier batch ${files.length}: max abs ${agreement.maxAbsolute.toExponential(2)} (max probability ${agreement.scale.toFixed(3)})`,
        );
        expect(agreement.onnxShape).toEqual([files.length, 1000]);
        expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-4);
        const session = await ort.InferenceSession.create(bytes);
        const output = await session.run({
          [session.inputNames[0] as string]: new ort.Tensor(
            'float32',
            Float32Array.from(batch.dataSync()),
            batch.shape,
          ),
        });
        await session.release();
        const probabilities = output[session.outputNames[0] as string]?.data as Float32Array;
        files.forEach((file, row) => {
          const scores = probabilities.subarray(row * 1000, (row + 1) * 1000);
          const top = scores.indexOf(Math.max(...scores));
          const entry = expected[file] as ExpectedTopOne;
          const acceptable = [
            entry.index,
            ...(entry.also_acceptable ?? []).map((item) => item.index),
          ];
          expect(acceptable, file).toContain(top);
        });
        batch.dispose();
      }
    } finally {
      backbone.dispose();
    }
  });
});
