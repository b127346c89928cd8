import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildConvNextTiny,
  buildEfficientNet,
  buildMobileNetV3,
  type CreateTorchvisionBackboneOptions,
  createBackbone,
  getBackboneDescriptor,
  listBackbones,
} from '../index.js';

/** Trainable values: torchvision's `sum(p.numel() for p in model.parameters())` minus the classifier. */
function parameterCount(model: {
  trainableWeights: Array<{ shape: Array<number | null> }>;
}): number {
  return model.trainableWeights.reduce(
    (sum, weight) =>
      sum + weight.shape.reduce<number>((product, length) => product * (length ?? 0), 1),
    0,
  );
}

describe('registered torchvision ports (MobileNetV3, EfficientNet)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('lists them with torchvision preprocessing, .pth sources, upstream figures and licences', () => {
    expect(listBackbones('mobilenet_v3*')).toEqual(['mobilenet_v3_large', 'mobilenet_v3_small']);
    expect(listBackbones('efficientnet*')).toEqual([
      'efficientnet_b0',
      'efficientnet_b1',
      'efficientnet_b2',
      'efficientnet_b3',
    ]);
    expect(getBackboneDescriptor('mobilenet_v3_large')).toMatchObject({
      family: 'mobilenet_v3',
      featureDim: 960,
      featureMapLayer: 'features.16.2',
      preprocessing: {
        inputSize: [224, 224],
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        resize: { mode: 'center-crop', interpolation: 'bilinear' },
      },
      upstream: { imageNetTop1: 75.274 },
      weights: [
        {
          format: 'pytorch',
          url: 'https://download.pytorch.org/models/mobilenet_v3_large-5c1a4163.pth',
          mirrorPath: 'torchvision/mobilenet_v3_large-5c1a4163.pth',
          license: 'BSD-3-Clause',
        },
      ],
    });
    const b3 = getBackboneDescriptor('efficientnet_b3');
    expect(b3).toMatchObject({
      featureDim: 1536,
      inputSizes: [[300, 300]],
      preprocessing: { inputSize: [300, 300], resize: { interpolation: 'bicubic' } },
      weights: [
        { url: 'https://download.pytorch.org/models/efficientnet_b3_rwightman-cf984f9c.pth' },
      ],
    });
    // torchvision's Resize(320) + CenterCrop(300) round-trips through the crop fraction.
    const fraction = b3.preprocessing.resize.cropFraction as number;
    expect(Math.floor(300 / fraction)).toBe(320);
    const large = getBackboneDescriptor('mobilenet_v3_large').preprocessing.resize;
    expect(Math.floor(224 / (large.cropFraction as number))).toBe(232);
  });

  it('registers convnext_tiny with LayerNorm-ed 768-d features and torchvision’s Resize(236) preset', () => {
    const descriptor = getBackboneDescriptor('convnext_tiny');
    expect(descriptor).toMatchObject({
      family: 'convnext',
      featureDim: 768,
      upstream: { imageNetTop1: 82.52 },
      weights: [
        {
          format: 'pytorch',
          url: 'https://download.pytorch.org/models/convnext_tiny-983f1562.pth',
        },
      ],
    });
    expect(Math.floor(224 / (descriptor.preprocessing.resize.cropFraction as number))).toBe(236);
  });

  it('has torchvision’s parameter counts for every variant (width and depth multipliers)', () => {
    const builds = [
      ['mobilenet_v3_small', () => buildMobileNetV3({ variant: 'small', inputSize: [32, 32] })],
      ['mobilenet_v3_large', () => buildMobileNetV3({ variant: 'large', inputSize: [32, 32] })],
      ['convnext_tiny', () => buildConvNextTiny({ inputSize: [32, 32] })],
      ...(['b0', 'b1', 'b2', 'b3'] as const).map(
        (variant) =>
          [
            `efficientnet_${variant}`,
            () => buildEfficientNet({ variant, inputSize: [32, 32] }),
          ] as const,
      ),
    ] as const;
    for (const [name, build] of builds) {
      const model = build();
      // torchvision's own counts (printed by Debian's torchvision 0.14), minus the classifier.
      expect(parameterCount(model), name).toBe(getBackboneDescriptor(name).parameterCount);
      model.dispose();
    }
  });

  it('creates random backbones that unfreeze by torchvision stage, without leaking tensors', async () => {
    const backbone = await createBackbone<CreateTorchvisionBackboneOptions>('efficientnet_b0', {
      pretrained: false,
      inputSize: [64, 64],
    });
    expect(backbone.stages).toEqual([
      'features.1',
      'features.2',
      'features.3',
      'features.4',
      'features.5',
      'features.6',
      'features.7',
      'features.8',
    ]);
    expect(backbone.model.trainableWeights).toHaveLength(0);
    backbone.unfreeze({ from: 'features.7' });
    const trainable = backbone.model.trainableWeights.map((weight) => weight.originalName);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.every((name) => /^features\.[78]\./.test(name))).toBe(true);
    expect(() => backbone.unfreeze({ from: 'features.9' })).toThrow(/features\.8/);
    const features = await expectNoTensorLeaks(async () => {
      const output = tf.tidy(() => backbone.model.predict(tf.ones([2, 64, 64, 3])) as tf.Tensor);
      const data = await output.data();
      output.dispose();
      return data;
    });
    expect(features).toHaveLength(2 * 1280);
    expect(features.some((value) => value !== 0)).toBe(true);
    expect(backbone.weightsId).toBe('efficientnet_b0:random:seed0:64x64:avg');
    backbone.dispose();
  });

  it('refuses a weights file that is neither a torch.save checkpoint nor safetensors, and a missing file', async () => {
    await expect(
      createBackbone<CreateTorchvisionBackboneOptions>('mobilenet_v3_small', {
        weights: new TextEncoder().encode('not weights at all'),
      }),
    ).rejects.toThrow(FileFormatError);
    await expect(
      createBackbone<CreateTorchvisionBackboneOptions>('mobilenet_v3_small', {
        offline: true,
        mirrorDirs: [],
        cacheDir: '/nonexistent-graft-cache',
      }),
    ).rejects.toThrow(AssetNotFoundError);
  });
});
