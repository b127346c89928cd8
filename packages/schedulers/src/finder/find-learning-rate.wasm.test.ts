import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sliceBatches, spirals, twoLayerMlp } from '../__fixtures__/spirals.js';
import { findLearningRate } from './find-learning-rate.js';

function weightValues(model: tfl.LayersModel): number[][] {
  return model.weights.map((weight) => Array.from(weight.read().dataSync()));
}

// The CLI runs on wasm, whose kernels copy rather than share buffers: restoring must work there too.
describe('findLearningRate on the wasm backend', () => {
  let data: { xs: tf.Tensor2D; ys: tf.Tensor2D };
  beforeAll(async () => {
    await tf.setBackend('wasm');
    data = spirals({ count: 256, seed: 2 });
  });
  afterAll(() => tf.dispose([data.xs, data.ys]));

  it('restores the weights, leaks nothing and finds a descending curve', async () => {
    const model = twoLayerMlp(1);
    const before = weightValues(model);
    const batches = () => sliceBatches(data.xs, data.ys, 32);
    await findLearningRate({ model, batches, steps: 20 });
    const tensors = tf.memory().numTensors;
    const result = await findLearningRate({ model, batches, steps: 120 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(weightValues(model)).toEqual(before);
    expect(Math.min(...result.losses)).toBeLessThan(0.8 * (result.losses[0] as number));
    expect(result.suggestion).toBeGreaterThan(1e-5);
    model.dispose();
  });
});
