import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CreateResNetOptions,
  createBackbone,
  getBackboneDescriptor,
  listBackbones,
} from '../index.js';
import { readSafetensorsFile } from '../node/index.js';

describe('registered ResNet descriptors', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('lists resnet18 … resnet152 with torchvision preprocessing and weight sources', () => {
    expect(listBackbones('resnet*')).toEqual([
      'resnet101',
      'resnet152',
      'resnet18',
      'resnet34',
      'resnet50',
    ]);
    const descriptor = getBackboneDescriptor('resnet50');
    expect(descriptor).toMatchObject({
      family: 'resnet',
      featureDim: 2048,
      inputSizes: [[224, 224]],
      preprocessing: {
        inputRange: [0, 1],
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        channelOrder: 'rgb',
        resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
      },
      weights: [
        {
          format: 'safetensors',
          url: 'https://huggingface.co/timm/resnet50.tv_in1k/resolve/main/model.safetensors',
          mirrorPath: 'timm/resnet50.tv_in1k/model.safetensors',
          license: 'BSD-3-Clause',
        },
      ],
    });
    expect(getBackboneDescriptor('resnet18').featureDim).toBe(512);
  });

  it('creates a backbone through createBackbone', async () => {
    const backbone = await createBackbone<CreateResNetOptions>('resnet18', {
      pretrained: false,
      inputSize: [32, 32],
    });
    const output = tf.tidy(() => backbone.model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor);
    expect(output.shape).toEqual([1, 512]);
    output.dispose();
    backbone.dispose();
  });

  it('exports the safetensors file reader from the node entry point', () => {
    expect(readSafetensorsFile).toBeTypeOf('function');
  });
});
