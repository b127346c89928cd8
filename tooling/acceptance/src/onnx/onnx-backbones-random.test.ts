// Issue 19: every registered MobileNetV2 alpha and ResNet depth without shared weights converts
// to ONNX and agrees with tfjs (wasm) within 1e-4: seeded random weights with BatchNorm
// statistics calibrated on real photos (so features are O(1), not vanishing), batch 1 and 3,
// both `model` and the BatchNorm-folded `inferenceModel()`.
import {
  createMobileNetV2,
  createResNet,
  type GraftBackbone,
  type MobileNetV2Alpha,
} from '@graft/backbones';
import { convertToOnnx } from '@graft/onnx';
import { compareWithOnnxRuntime } from '@graft/onnx/testing';
import { initBackend } from '@graft/runtime';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateBatchNorm } from './calibrate-batch-norm.js';
import { samplePhotos } from './sample-images.js';

interface Case {
  label: string;
  create: () => Promise<GraftBackbone>;
}

// 1.0 and 0.35 have real weights (onnx-backbones-real.test.ts).
const alphas: MobileNetV2Alpha[] = [0.5, 0.75, 1.3, 1.4];
const cases: Case[] = [
  ...alphas.map((alpha) => ({
    label: `MobileNetV2 ${alpha}`,
    create: () => createMobileNetV2({ alpha, pretrained: false, seed: 19 }),
  })),
  ...([34, 101, 152] as const).map((depth) => ({
    label: `ResNet${depth}`,
    create: () => createResNet({ depth, pretrained: false, seed: 19 }),
  })),
];

describe.each(cases)('convertToOnnx, random weights: $label', ({ create }) => {
  let backbone: GraftBackbone;
  let single: tf.Tensor4D;
  let triple: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    backbone = await create();
    const calibration = await samplePhotos(backbone.preprocessing, 4, 6);
    expect(calibrateBatchNorm(backbone.model, calibration, 7)).toBeGreaterThan(10);
    calibration.dispose();
    single = await samplePhotos(backbone.preprocessing, 1);
    triple = await samplePhotos(backbone.preprocessing, 3, 1);
  });
  afterAll(() => {
    tf.dispose([single, triple]);
    backbone?.dispose();
  });

  it('model and inferenceModel(): the same features at batch 1 and 3 (max abs ≤ 1e-4)', async () => {
    for (const [variant, model] of [
      ['model', backbone.model],
      ['inferenceModel()', backbone.inferenceModel()],
    ] as const) {
      const bytes = convertToOnnx({ model });
      for (const input of [single, triple]) {
        const agreement = await compareWithOnnxRuntime({ model, bytes, input });
        console.info(
          `${backbone.name} (random) ${variant} batch ${input.shape[0]}: max abs ${agreement.maxAbsolute.toExponential(2)} (max |feature| ${agreement.scale.toFixed(3)})`,
        );
        expect(agreement.onnxShape).toEqual([input.shape[0], backbone.featureDim]);
        expect(agreement.scale).toBeGreaterThan(0.5);
        expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});
