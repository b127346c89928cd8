import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../index.js';

describe('MobileNetV2 resize option', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps Keras stretch by default and records a chosen policy in preprocessing and config', async () => {
    const plain = await createBackbone('mobilenet_v2_0.35_224', {
      pretrained: false,
      inputSize: [32, 32],
      seed: 1,
    });
    const cropped = await createBackbone('mobilenet_v2_0.35_224', {
      pretrained: false,
      inputSize: [32, 32],
      seed: 1,
      resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    });
    try {
      expect(plain.preprocessing.resize).toEqual({ mode: 'stretch', interpolation: 'bilinear' });
      expect(cropped.preprocessing.resize).toEqual({
        mode: 'center-crop',
        cropFraction: 0.875,
        interpolation: 'bilinear',
      });
      expect(cropped.getConfig()).toMatchObject({ resize: { mode: 'center-crop' } });
      expect(plain.getConfig()).not.toHaveProperty('resize');
    } finally {
      plain.dispose();
      cropped.dispose();
    }
  });

  it('rejects an unknown mode or a crop fraction outside (0, 1]', async () => {
    for (const resize of [
      { mode: 'squash', interpolation: 'bilinear' },
      { mode: 'center-crop', cropFraction: 1.5, interpolation: 'bilinear' },
    ]) {
      await expect(
        createBackbone('mobilenet_v2_0.35_224', {
          pretrained: false,
          inputSize: [32, 32],
          resize,
        } as never),
      ).rejects.toThrow(InvalidArgumentError);
    }
  });
});
