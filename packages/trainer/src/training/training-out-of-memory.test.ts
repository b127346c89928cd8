import '@tensorflow/tfjs-backend-cpu';
import { OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MicroBatchChoice } from './choose-micro-batch-size.js';
import { trainingOutOfMemory } from './training-out-of-memory.js';

const choice = (largestFitting: number): MicroBatchChoice => ({
  microBatchSize: 16,
  source: 'requested',
  budgetBytes: 2 ** 31,
  largestFitting,
  reason: 'micro-batch 16 of 32: as requested',
});

describe('trainingOutOfMemory', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('suggests what the estimate says fits, at most half the failed micro-batch', () => {
    const abort = new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    const error = trainingOutOfMemory(abort, {
      microBatchSize: 16,
      inputShape: [32, 224, 224, 3],
      backbone: 'mobilenet_v2_1.0_224',
      choice: choice(3),
    });
    expect(OutOfMemoryError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'The cpu backend ran out of memory during a training step of mobilenet_v2_1.0_224 (micro-batch 16, 224x224). ' +
        'Use micro-batches of 3 (microBatchSize, or --micro-batch 3 with graft train); the batch size can stay. ' +
        'The wasm module aborted and cannot be used again in this process: start a new one.',
    );
    expect((error as Error).cause).toBe(abort);
    const trap = new WebAssembly.RuntimeError('memory access out of bounds');
    const halved = trainingOutOfMemory(trap, {
      microBatchSize: 16,
      inputShape: [16, 224, 224, 3],
      choice: choice(40),
    });
    expect((halved as Error).message).toContain('Use micro-batches of 8 ');
  });

  it('at micro-batch 1 advises fewer trainable layers; other errors pass through', () => {
    const error = trainingOutOfMemory(new Error('Out of memory'), {
      microBatchSize: 1,
      inputShape: [1, 512],
    });
    expect((error as Error).message).toMatch(
      /during a training step \(micro-batch 1\)\. Unfreeze fewer layers/,
    );
    const other = new TypeError('Shapes [2,3] and [4] must match');
    expect(trainingOutOfMemory(other, { microBatchSize: 4, inputShape: [4, 8] })).toBe(other);
  });
});
