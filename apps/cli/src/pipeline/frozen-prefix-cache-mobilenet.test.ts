// The trainer's frozen-prefix cache on a real MobileNetV2 split (@graft/backbones' splitAtBoundary).
// Here because the CLI is the package that depends on both the trainer and the backbones.
import '@tensorflow/tfjs-backend-cpu';
import { createBackbone } from '@graft/backbones';
import type { BatchOptions, ImageBatch, ImageDataset } from '@graft/core';
import { createHead } from '@graft/heads';
import { sgd, train } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

/** `count` seeded random 64×64 images, class `i % 2`, in dataset order. */
class RandomImages implements ImageDataset {
  readonly classNames = ['a', 'b'];
  constructor(
    readonly size: number,
    private readonly seed: number,
  ) {}
  labels(): number[] {
    return Array.from({ length: this.size }, (_, index) => index % 2);
  }
  async *batches(options: BatchOptions): AsyncIterable<ImageBatch> {
    for (let start = 0; start < this.size; start += options.batchSize) {
      const count = Math.min(options.batchSize, this.size - start);
      yield {
        images: tf.randomUniform([count, 64, 64, 3], 0, 255, 'float32', this.seed + start),
        labels: tf.tensor1d(this.labels().slice(start, start + count), 'int32'),
      };
    }
  }
}

describe('frozen-prefix cache on MobileNetV2', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('fine-tuning from block_15 on cached activations equals fine-tuning on pixels', async () => {
    const run = async (frozenPrefixCache: 'auto' | 'off') => {
      // ImageNet weights (the shared mirror): random ones give all-zero features at this size.
      const backbone = await createBackbone('mobilenet_v2_0.35_224', { inputSize: [64, 64] });
      const head = createHead('linear', {
        featureDim: backbone.featureDim,
        numClasses: 2,
        seed: 1,
      });
      const optimizer = sgd({ learningRate: 0.05, momentum: 0.9 });
      const numTensors = tf.memory().numTensors;
      const result = await train({
        backbone,
        head,
        trainData: new RandomImages(8, 1),
        validationData: new RandomImages(4, 100),
        mode: 'fine-tune',
        unfreezeFrom: 'block_15',
        epochs: 2,
        batchSize: 4,
        microBatchSize: 2,
        shuffle: false,
        optimizer,
        frozenPrefixCache,
      });
      optimizer.dispose();
      // Only the optimiser's momentum slots (disposed above) outlive the run.
      expect(tf.memory().numTensors).toBe(numTensors);
      const weights = [...backbone.model.trainableWeights, ...head.model.trainableWeights].map(
        (weight) => Array.from(weight.read().dataSync()),
      );
      backbone.dispose();
      head.dispose();
      return { result, weights };
    };
    const plain = await run('off');
    const cached = await run('auto');
    expect(plain.result.frozenPrefixCache?.used).toBe(false);
    expect(cached.result.frozenPrefixCache?.message).toMatch(
      /cut before block_15, 1 view of 12 activations \[2,2,56\]/,
    );
    // Seven convolution kernels from block_15 on (BatchNorm stays frozen), the head's two.
    expect(cached.weights).toHaveLength(9);
    let largest = 0;
    cached.weights.forEach((values, index) => {
      values.forEach((value, at) => {
        largest = Math.max(largest, Math.abs(value - (plain.weights[index]?.[at] ?? Number.NaN)));
      });
    });
    expect(largest).toBeLessThan(1e-4);
    // Training moved the unfrozen weights, so the equality above is not of untouched weights.
    expect(cached.result.history[1]?.loss).not.toBe(cached.result.history[0]?.loss);
    cached.result.history.forEach((logs, epoch) => {
      expect(logs.val_loss).toBeCloseTo(plain.result.history[epoch]?.val_loss ?? Number.NaN, 4);
    });
  });
});
