// Issue 22: the torchvision ports (MobileNetV3, EfficientNet, ConvNeXt-Tiny) convert to ONNX —
// hard-swish, the hard-sigmoid and sigmoid squeeze-excitation gates, LayerNorm on NHWC channels,
// layer scale, GELU, stochastic depth (the identity at inference) — and ONNX Runtime gives the
// features tfjs (wasm) gives: seeded random weights, BatchNorm statistics calibrated on real
// photos, small inputs to keep CI short, batch 1 and 3, both `model` and `inferenceModel()`.
import { createBackbone, type GraftBackbone } from '@graft/backbones';
import { convertToOnnx } from '@graft/onnx';
import { compareWithOnnxRuntime } from '@graft/onnx/testing';
import { initBackend } from '@graft/runtime';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateBatchNorm } from './calibrate-batch-norm.js';
import { samplePhotos } from './sample-images.js';

interface Case {
  name: string;
  size: number;
  /** BatchNorm layers calibrated (ConvNeXt has none). */
  batchNorms: number;
}

// B1–B3 are B0's layers at other widths and depths; MobileNetV3 large has small's layer kinds.
const cases: Case[] = [
  { name: 'mobilenet_v3_small', size: 96, batchNorms: 10 },
  { name: 'efficientnet_b0', size: 96, batchNorms: 10 },
  { name: 'convnext_tiny', size: 64, batchNorms: 0 },
];

/** `count` sample photos at `size` (the helper gives 224x224). Caller disposes. */
async function photosAt(
  backbone: GraftBackbone,
  size: number,
  count: number,
  skip = 0,
): Promise<tf.Tensor4D> {
  const photos = await samplePhotos(backbone.preprocessing, count, skip);
  const resized = tf.image.resizeBilinear(photos, [size, size]);
  photos.dispose();
  return resized;
}

describe.each(cases)('convertToOnnx, random weights: $name', ({ name, size, batchNorms }) => {
  let backbone: GraftBackbone;
  let single: tf.Tensor4D;
  let triple: tf.Tensor4D;

  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
    backbone = (await createBackbone(name, {
      pretrained: false,
      seed: 22,
      inputSize: [size, size],
    })) as GraftBackbone;
    const calibration = await photosAt(backbone, size, 4, 6);
    expect(calibrateBatchNorm(backbone.model, calibration, 7)).toBeGreaterThanOrEqual(batchNorms);
    calibration.dispose();
    single = await photosAt(backbone, size, 1);
    triple = await photosAt(backbone, size, 3, 1);
  }, 120_000);
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
  }, 120_000);
});
