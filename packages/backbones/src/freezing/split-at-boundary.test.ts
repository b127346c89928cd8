import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone } from '../index.js';
import { splitBoundaries } from './split-at-boundary.js';

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('splitAtBoundary through Backbone.split', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('cuts MobileNetV2 between blocks into a prefix and a suffix that compose to the model', async () => {
    const backbone = await createBackbone('mobilenet_v2_0.35_224', {
      pretrained: false,
      seed: 5,
      inputSize: [64, 64],
    });
    const baseline = tf.memory().numTensors;
    const input = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 1);
    const split = backbone.split?.({ before: 'block_13' });
    if (split === undefined) throw new Error('MobileNetV2 backbones implement split');
    expect(split.activationShape).toEqual([4, 4, 32]);
    // The suffix reuses the backbone's layer objects: the same variables, not copies.
    const suffixVariables = new Set(split.suffix.weights.map((weight) => weight.id));
    expect(split.suffix.getLayer('block_13_expand')).toBe(
      backbone.model.getLayer('block_13_expand'),
    );
    expect(split.prefix.getLayer('block_12_add')).toBe(backbone.model.getLayer('block_12_add'));
    expect(suffixVariables.size).toBeGreaterThan(0);
    const whole = backbone.model.predict(input) as tf.Tensor;
    const activation = split.prefix.predict(input) as tf.Tensor;
    expect(activation.shape).toEqual([2, 4, 4, 32]);
    const composed = split.suffix.predict(activation) as tf.Tensor;
    expect(maxDifference(whole, composed)).toBeLessThan(1e-5);
    // The folded prefix (inference only) computes the same activation up to float32 rounding.
    const folded = split.inferencePrefix?.().predict(input) as tf.Tensor;
    expect(folded.shape).toEqual([2, 4, 4, 32]);
    expect(maxDifference(folded, activation)).toBeLessThan(1e-4);
    expect(maxDifference(folded, activation)).toBeGreaterThanOrEqual(0);
    folded.dispose();
    // A weight changed through the backbone is seen by the suffix (BatchNorm's beta + 1).
    const batchNorm = backbone.model.getLayer('Conv_1_bn');
    const [gamma, beta, mean, variance] = batchNorm.getWeights() as tf.Tensor[];
    const shifted = tf.add(beta as tf.Tensor, 1);
    batchNorm.setWeights([gamma, shifted, mean, variance] as tf.Tensor[]);
    shifted.dispose();
    const changedWhole = backbone.model.predict(input) as tf.Tensor;
    const changedComposed = split.suffix.predict(activation) as tf.Tensor;
    expect(maxDifference(changedWhole, whole)).toBeGreaterThan(1e-4);
    expect(maxDifference(changedWhole, changedComposed)).toBeLessThan(1e-5);
    tf.dispose([input, whole, activation, composed, changedWhole, changedComposed]);

    // Disposing the split releases the folded prefix's own weights and nothing else.
    split.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    // Disposing the split released none of the shared weights: the backbone still runs.
    const again = tf.tidy(() => backbone.model.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor);
    expect(again.shape).toEqual([1, 1280]);
    again.dispose();
    const numTensors = tf.memory().numTensors;
    backbone.dispose();
    expect(tf.memory().numTensors).toBeLessThan(numTensors - 100);
  });

  it('rejects a boundary inside a residual block and lists the valid ones', async () => {
    const backbone = await createBackbone('mobilenet_v2_0.35_224', {
      pretrained: false,
      seed: 5,
      inputSize: [32, 32],
    });
    // block_14_project's input is inside block 14, whose `add` also reads block 13's output.
    expect(() => backbone.split?.({ before: 'block_14_project' })).toThrow(
      /`before`[\s\S]*residual[\s\S]*valid boundaries: stages .*block_1, block_2, .*block_16[\s\S]*before="block_14_project"/,
    );
    expect(() => backbone.split?.({ before: 'block_99' })).toThrow(/names no layer or stage/);
    const valid = splitBoundaries(backbone.model, backbone.stages);
    expect(valid.stages).toEqual(backbone.stages);
    expect(valid.layers).toContain('block_13_expand');
    expect(valid.layers).toContain('Conv_1');
    expect(valid.layers).not.toContain('block_14_project');
    backbone.dispose();
  });

  it('cuts ResNet18 between stages and rejects a boundary inside a basic block', async () => {
    const backbone = await createBackbone('resnet18', {
      pretrained: false,
      seed: 2,
      inputSize: [64, 64],
    });
    const split = backbone.split?.({ before: 'layer4' });
    if (split === undefined) throw new Error('ResNet backbones implement split');
    const input = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 4);
    const whole = backbone.model.predict(input) as tf.Tensor;
    const activation = split.prefix.predict(input) as tf.Tensor;
    const composed = split.suffix.predict(activation) as tf.Tensor;
    expect(activation.shape).toEqual([1, 4, 4, 256]);
    expect(maxDifference(whole, composed)).toBeLessThan(1e-4);
    tf.dispose([input, whole, activation, composed]);
    split.dispose();
    expect(() => backbone.split?.({ before: 'layer4.0.conv2' })).toThrow(
      /residual[\s\S]*stages layer1, layer2, layer3, layer4/,
    );
    backbone.dispose();
  });
});
