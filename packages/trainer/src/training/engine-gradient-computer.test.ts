import '@tensorflow/tfjs-backend-cpu';
import type { Backbone, Head } from '@graft/core';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { sgd } from '../optimizers/sgd.js';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { tfjsTrainingEngine } from '../testing/tfjs-training-engine.js';
import { createEngineGradientComputer } from './engine-gradient-computer.js';
import { type TrainOptions, train } from './train.js';
import { keyedWeights } from './trainable-variables.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function fineTune(options: Partial<TrainOptions>) {
  const backbone: Backbone = tinyBackbone({ seed: 3 });
  const head: Head = denseHead({ featureDim: 8, numClasses: 3, seed: 2 });
  const optimizer = sgd({ learningRate: 0.05, momentum: 0.9 });
  try {
    const result = await train({
      backbone,
      head,
      trainData: new ColourDataset({ count: 22, numClasses: 3 }),
      validationData: new ColourDataset({ count: 9, numClasses: 3, seed: 1 }),
      mode: 'fine-tune',
      epochs: 2,
      batchSize: 8,
      microBatchSize: 3,
      batchNorm: 'train',
      optimizer,
      seed: 5,
      gradientClipNorm: 0.5,
      ...options,
    });
    const weights = new Map<string, Float32Array>();
    for (const { key, weight } of keyedWeights(backbone, head)) {
      weights.set(key, (await weight.read().data()) as Float32Array);
    }
    return { weights, history: result.history };
  } finally {
    optimizer.dispose();
    head.dispose();
    backbone.dispose();
  }
}

describe('createEngineGradientComputer', () => {
  it.each([1, 2])(
    'with %i micro-batches at once, fine-tunes to the weights and losses of the in-thread steps (moving statistics included)',
    async (concurrency) => {
      const reference = await fineTune({});
      const engine = tfjsTrainingEngine({ concurrency });
      const tensorsBefore = tf.memory().numTensors;
      const split = await fineTune({ gradientComputer: createEngineGradientComputer({ engine }) });
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      // 22 rows as batches of 8, 8, 6 in micro-batches of 3 → 3 + 3 + 2 forwards per epoch.
      expect(engine.forwards).toBe(16);
      // Every weight of backbone and head, BatchNorm moving statistics included.
      expect([...split.weights.keys()]).toEqual([...reference.weights.keys()]);
      expect(split.weights.size).toBe(14);
      for (const [key, values] of reference.weights) {
        const other = split.weights.get(key) as Float32Array;
        const difference = Math.max(
          ...values.map((value, index) => Math.abs(value - (other[index] as number))),
        );
        expect(difference, key).toBeLessThan(1e-5);
      }
      split.history.forEach((epoch, index) => {
        expect(epoch.loss).toBeCloseTo(reference.history[index]?.loss as number, 5);
      });
    },
  );
});
