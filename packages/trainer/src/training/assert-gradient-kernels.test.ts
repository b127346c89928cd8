import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead, plainBackbone } from '../testing/fixtures.js';
import { assertGradientKernels } from './assert-gradient-kernels.js';
import { train } from './train.js';

// A backend with no kernels registered under its name stands in for tfjs's wasm backend chosen
// with tf.setBackend('wasm'), which has no convolution gradients.
describe('assertGradientKernels', () => {
  beforeAll(async () => {
    tf.registerBackend('bare-test', () => new MathBackendCPU());
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
    tf.removeBackend('bare-test');
  });

  it('passes where the kernels exist and names the missing ones and initBackend where not', async () => {
    const backbone = plainBackbone({ featureDim: 8 });
    backbone.unfreeze();
    expect(() => assertGradientKernels(backbone.model)).not.toThrow();
    await tf.setBackend('bare-test');
    try {
      expect(() => assertGradientKernels(backbone.model)).toThrow(
        /kernels 'Conv2DBackpropFilter', 'Conv2DBackpropInput', which the tfjs backend 'bare-test' does not register\. Select the backend with initBackend\(\) from @graft\/runtime/,
      );
      // Frozen layers need no gradient kernels.
      backbone.freeze();
      expect(() => assertGradientKernels(backbone.model)).not.toThrow();
    } finally {
      await tf.setBackend('cpu');
      backbone.dispose();
    }
  });

  it('makes train() fail before the first step, not mid-step', async () => {
    const backbone = plainBackbone({ featureDim: 8 });
    const head = denseHead({ featureDim: 8, numClasses: 3 });
    const optimizer = sgd({ learningRate: 0.1 });
    const steps: number[] = [];
    await tf.setBackend('bare-test');
    try {
      await expect(
        train({
          backbone,
          head,
          trainData: new ColourDataset({ count: 6, seed: 1 }),
          mode: 'fine-tune',
          epochs: 1,
          batchSize: 3,
          optimizer,
          callbacks: [{ onBatchEnd: (batch) => void steps.push(batch) }],
        }),
      ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(steps).toEqual([]);
    } finally {
      await tf.setBackend('cpu');
      for (const disposable of [optimizer, backbone, head]) disposable.dispose();
    }
  });
});
