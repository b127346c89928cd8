import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateFineTuneMemory, fineTuneStepBytes } from './fine-tune-memory.js';

/** conv → BN → ReLU, twice, then pooling: 32×32 input. */
function tinyNetwork(inputSize: number | null = 32): tfl.LayersModel {
  const input = tfl.input({ shape: [inputSize, inputSize, 3] });
  let x = input;
  for (const [index, filters] of [8, 16].entries()) {
    x = tfl.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', name: `stage${index + 1}_conv` })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers
      .batchNormalization({ name: `stage${index + 1}_bn` })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `stage${index + 1}_relu` }).apply(x) as tfl.SymbolicTensor;
  }
  const output = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

function setTrainable(
  model: tfl.LayersModel,
  rule: (layer: tfl.layers.Layer) => boolean,
): tfl.LayersModel {
  for (const layer of model.layers) layer.trainable = rule(layer);
  return model;
}

const isBatchNorm = (layer: tfl.layers.Layer) => layer.getClassName() === 'BatchNormalization';

describe('estimateFineTuneMemory', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('grows with the micro-batch', () => {
    const model = setTrainable(tinyNetwork(), (layer) => !isBatchNorm(layer));
    const estimate = estimateFineTuneMemory({ model });
    if (estimate === undefined) throw new Error('expected an estimate');
    // 32×32×(3 + 8·3 + 16·3) values per image of layer outputs (the pooled 16 too).
    expect(estimate.bytesPerImage).toBeGreaterThan(4 * 32 * 32 * 75);
    const sizes = [1, 2, 4, 8, 16].map((size) => fineTuneStepBytes(estimate, size));
    for (let index = 1; index < sizes.length; index++) {
      expect(sizes[index]).toBeGreaterThan(sizes[index - 1] as number);
    }
    model.dispose();
  });

  it('is smaller with a frozen prefix, larger with BatchNorm training', () => {
    const full = setTrainable(tinyNetwork(), (layer) => !isBatchNorm(layer));
    const suffix = setTrainable(
      tinyNetwork(),
      (layer) => layer.name.startsWith('stage2') && !isBatchNorm(layer),
    );
    const frozen = setTrainable(tinyNetwork(), () => false);
    const batchNormTraining = setTrainable(tinyNetwork(), () => true);
    const [fullEstimate, suffixEstimate, frozenEstimate, batchNormEstimate] = [
      full,
      suffix,
      frozen,
      batchNormTraining,
    ].map((model) => estimateFineTuneMemory({ model }));
    const bytes = (estimate: typeof fullEstimate) => fineTuneStepBytes(estimate as never, 4);
    expect(bytes(suffixEstimate)).toBeLessThan(bytes(fullEstimate));
    expect(bytes(frozenEstimate)).toBeLessThan(bytes(suffixEstimate));
    expect(bytes(batchNormEstimate)).toBeGreaterThan(bytes(fullEstimate));
    // Only trainable weights carry gradients and optimizer slots.
    expect(suffixEstimate?.fixedBytes).toBeLessThan(fullEstimate?.fixedBytes as number);
    expect(frozenEstimate?.fixedBytes).toBe(4 * frozen.countParams());
    // The head's parameters count as trainable.
    expect(
      estimateFineTuneMemory({ model: frozen, extraTrainableParameters: 100 })?.fixedBytes,
    ).toBe(4 * (frozen.countParams() + 4 * 100));
    for (const model of [full, suffix, frozen, batchNormTraining]) model.dispose();
  });

  it('descends into nested models', () => {
    const inner = setTrainable(tinyNetwork(), (layer) => !isBatchNorm(layer));
    const input = tfl.input({ shape: [32, 32, 3] });
    const outer = tfl.model({ inputs: input, outputs: inner.apply(input) as tfl.SymbolicTensor });
    const nested = estimateFineTuneMemory({ model: outer });
    const flat = estimateFineTuneMemory({ model: inner });
    expect(nested?.fixedBytes).toBe(flat?.fixedBytes);
    // The nested model's layers, plus the outer input layer (as a single layer it would count
    // only its 16 pooled values).
    expect(nested?.bytesPerImage).toBeGreaterThan(flat?.bytesPerImage as number);
    inner.dispose();
  });

  it('gives no estimate when the layers have no fixed size', () => {
    const model = tinyNetwork(null);
    expect(estimateFineTuneMemory({ model })).toBeUndefined();
    model.dispose();
  });
});
