// The default `graft train --mode fine-tune` run (every layer trainable, BatchNorm frozen, batch
// 32) on MobileNetV2 1.0 at 224, the registered backbone with the largest activations at its
// default size among those the issue measured aborting: one micro-batch of the size the trainer
// chooses runs forward and backward on wasm. Its own file: the wasm heap only grows.
import { createBackbone } from '@graft/backbones';
import type { ImageBatch, ImageDataset } from '@graft/core';
import { linearHead } from '@graft/heads';
import { initBackend } from '@graft/runtime';
import { chooseMicroBatchSize, type MicroBatchChoice, train } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

/** `count` random 224×224 images of two classes. */
function randomImages(count: number): ImageDataset {
  return {
    classNames: ['a', 'b'],
    size: count,
    labels: () => Array.from({ length: count }, (_, index) => index % 2),
    async *batches({ batchSize }): AsyncIterable<ImageBatch> {
      for (let start = 0; start < count; start += batchSize) {
        const size = Math.min(batchSize, count - start);
        yield {
          images: tf.randomUniform([size, 224, 224, 3], 0, 255, 'float32', start + 1),
          labels: tf.tensor1d(
            Array.from({ length: size }, (_, index) => (start + index) % 2),
            'int32',
          ),
        };
      }
    },
  };
}

describe('default fine-tuning micro-batch on wasm', () => {
  it('runs one micro-batch of MobileNetV2 1.0 at 224, all layers trainable, without aborting', async () => {
    await initBackend({ prefer: 'wasm' });
    const backbone = await createBackbone('mobilenet_v2_1.0_224', { pretrained: false, seed: 1 });
    const head = linearHead({ featureDim: backbone.featureDim, numClasses: 2, seed: 1 });
    // What train() decides for the CLI's defaults: everything but BatchNorm trainable, batch 32.
    backbone.freeze();
    backbone.unfreeze({ layers: (layer) => layer.getClassName() !== 'BatchNormalization' });
    const expected = chooseMicroBatchSize({
      model: backbone.model,
      inputSize: [224, 224],
      batchSize: 32,
      extraTrainableParameters: head.model.countParams(),
    });
    expect(expected.source).toBe('estimate');
    expect(expected.microBatchSize).toBeGreaterThanOrEqual(4);
    expect(expected.microBatchSize).toBeLessThan(8);
    const choices: MicroBatchChoice[] = [];
    // As many images as one micro-batch: the step is that one forward/backward pass.
    const result = await train({
      backbone,
      head,
      trainData: randomImages(expected.microBatchSize),
      mode: 'fine-tune',
      epochs: 1,
      batchSize: 32,
      onMicroBatchSize: (choice) => choices.push(choice),
    });
    expect(choices.map((choice) => choice.microBatchSize)).toEqual([expected.microBatchSize]);
    expect(Number.isFinite(result.history[0]?.loss)).toBe(true);
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    // The estimate keeps the step well inside the 4 GiB heap.
    expect(heap).toBeLessThan(3.5 * 2 ** 30);
    head.dispose();
    backbone.dispose();
  }, 120_000);
});
