import '@tensorflow/tfjs-backend-cpu';
import { tinyBackbone } from '@graft/core/testing';
import { estimateFineTuneMemory } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { onnxMemoryShare, onnxMicroBatch } from './fine-tuning-engine.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('onnxMicroBatch', () => {
  it('gives each worker its share of the batch when the estimate fits, fewer images when not', () => {
    const backbone = tinyBackbone({ inputSize: [64, 64] });
    backbone.model.layers.forEach((layer, index) => {
      layer.trainable = index > 2;
    });
    const trainable = backbone.model.layers.map((layer) => layer.trainable);
    for (const layer of backbone.model.layers) layer.trainable = true;
    const estimate = estimateFineTuneMemory({ model: backbone.model });
    backbone.model.layers.forEach((layer, index) => {
      layer.trainable = trainable[index] as boolean;
    });
    if (estimate === undefined) throw new Error('the tiny backbone has known shapes');
    const roomy = onnxMicroBatch({
      backbone,
      batchSize: 16,
      concurrency: 2,
      totalMemoryBytes: 2 ** 40,
    });
    expect(roomy.microBatchSize).toBe(8);
    expect(roomy.reason).toMatch(/one per ONNX Runtime worker \(2, in parallel; native memory\)/);
    // Memory for 3 images per worker, whatever is trainable now (every layer is counted).
    const tight = onnxMicroBatch({
      backbone,
      batchSize: 16,
      concurrency: 2,
      totalMemoryBytes:
        ((estimate.fixedBytes + 3.5 * estimate.bytesPerImage) * 2) / onnxMemoryShare,
    });
    expect(tight.microBatchSize).toBe(3);
    expect(tight.reason).toMatch(/micro-batch 3 of 16: 2 ONNX Runtime workers in parallel/);
    expect(backbone.model.layers.map((layer) => layer.trainable)).toEqual(trainable);
    backbone.dispose();
  });
});
