import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chooseMicroBatchSize,
  defaultMicroBatchSize,
  microBatchHeapShare,
  wasmHeapLimitBytes,
} from './choose-micro-batch-size.js';
import { estimateFineTuneMemory, fineTuneStepBytes } from './fine-tune-memory.js';

function convNetwork(size: number | null): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  const x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same' }).apply(input);
  const output = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

describe('chooseMicroBatchSize', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('takes the largest micro-batch whose estimate fits the budget', () => {
    const model = convNetwork(224);
    const estimate = estimateFineTuneMemory({ model });
    if (estimate === undefined) throw new Error('expected an estimate');
    const budgetBytes = fineTuneStepBytes(estimate, 5) + estimate.bytesPerImage / 2;
    const choice = chooseMicroBatchSize({
      model,
      inputSize: [224, 224],
      batchSize: 32,
      budgetBytes,
    });
    expect(choice.microBatchSize).toBe(5);
    expect(choice.largestFitting).toBe(5);
    expect(choice.source).toBe('estimate');
    expect(choice.reason).toMatch(/^micro-batch 5 of 32: estimated \d+ MiB per step \(/);
    // Never more than the batch; at least 1 even when nothing fits.
    expect(
      chooseMicroBatchSize({ model, inputSize: [224, 224], batchSize: 4, budgetBytes })
        .microBatchSize,
    ).toBe(4);
    const tight = chooseMicroBatchSize({
      model,
      inputSize: [224, 224],
      batchSize: 32,
      budgetBytes: 1,
    });
    expect(tight.microBatchSize).toBe(1);
    expect(tight.reason).toContain('over budget even at 1');
    model.dispose();
  });

  it('defaults to 60 % of the 4 GiB wasm heap', () => {
    const model = convNetwork(224);
    const choice = chooseMicroBatchSize({ model, inputSize: [224, 224], batchSize: 4096 });
    expect(choice.budgetBytes).toBe(microBatchHeapShare * wasmHeapLimitBytes);
    const estimate = choice.estimate;
    if (estimate === undefined) throw new Error('expected an estimate');
    expect(fineTuneStepBytes(estimate, choice.microBatchSize)).toBeLessThanOrEqual(
      choice.budgetBytes,
    );
    expect(fineTuneStepBytes(estimate, choice.microBatchSize + 1)).toBeGreaterThan(
      choice.budgetBytes,
    );
    expect(choice.reason).toContain('within 60 % of the 4 GiB wasm heap');
    model.dispose();
  });

  it('uses a requested micro-batch and says when it is over budget', () => {
    const model = convNetwork(224);
    const estimate = estimateFineTuneMemory({ model });
    if (estimate === undefined) throw new Error('expected an estimate');
    const budgetBytes = fineTuneStepBytes(estimate, 3);
    const choice = chooseMicroBatchSize({
      model,
      inputSize: [224, 224],
      batchSize: 16,
      budgetBytes,
      requested: 12,
    });
    expect(choice.microBatchSize).toBe(12);
    expect(choice.source).toBe('requested');
    expect(choice.reason).toMatch(
      /^micro-batch 12 of 16: as requested, estimated .* \(over the .* budget: 3 would fit\)$/,
    );
    expect(
      chooseMicroBatchSize({ model, inputSize: [224, 224], batchSize: 16, requested: 64 })
        .microBatchSize,
    ).toBe(16);
    model.dispose();
  });

  it('falls back to the pixel rule when layer shapes are unknown', () => {
    const model = convNetwork(null);
    const choice = chooseMicroBatchSize({ model, inputSize: [448, 448], batchSize: 16 });
    expect(choice.source).toBe('pixels');
    expect(choice.microBatchSize).toBe(2);
    expect(choice.estimate).toBeUndefined();
    expect(defaultMicroBatchSize([224, 224], 32)).toBe(8);
    expect(defaultMicroBatchSize([112, 112], 16)).toBe(16);
    model.dispose();
  });
});
