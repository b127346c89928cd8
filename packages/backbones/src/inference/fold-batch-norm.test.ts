import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { backboneFromModel } from '../custom/backbone-from-model.js';
import { buildMobileNetV2 } from '../mobilenet-v2/build-mobilenet-v2.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import { compareOutputs, kernelCensus } from './testing-helpers.js';

/** Gives every BatchNormalization layer random, non-trivial statistics and affine parameters. */
function randomiseBatchNorms(model: tfl.LayersModel, seed: number): void {
  let next = seed;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((weight) => {
      const name = weight.originalName;
      const shape = weight.shape as number[];
      next += 1;
      // Variances and γ positive, away from zero; means and β of either sign.
      if (/moving_variance|gamma/.test(name))
        return tf.randomUniform(shape, 0.2, 2, 'float32', next);
      return tf.randomUniform(shape, -1, 1, 'float32', next);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** A small CNN exercising every rule and every "leave it alone" case, on an odd input size. */
function tinyNetwork(): tfl.LayersModel {
  const input = tfl.input({ shape: [33, 30, 3], name: 'image' });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;
  // BatchNorm before any convolution: kept.
  let x = apply(tfl.layers.batchNormalization({ name: 'input_bn' }), input);
  // Conv with bias → BN without β → Activation('relu'): all fused.
  x = apply(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c1' }), x);
  x = apply(tfl.layers.batchNormalization({ center: false, name: 'c1_bn' }), x);
  x = apply(tfl.layers.activation({ activation: 'relu', name: 'c1_relu' }), x);
  // Asymmetric zero padding → stride-2 depthwise (multiplier 2) → BN without γ → ReLU6.
  x = apply(
    tfl.layers.zeroPadding2d({
      padding: [
        [1, 2],
        [0, 1],
      ],
      name: 'd1_pad',
    }),
    x,
  );
  x = apply(
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      depthMultiplier: 2,
      useBias: false,
      name: 'd1',
    }),
    x,
  );
  x = apply(tfl.layers.batchNormalization({ scale: false, epsilon: 1e-5, name: 'd1_bn' }), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'd1_relu6' }), x);
  // Conv whose output also feeds a residual: its BatchNorm cannot be folded.
  const shortcut = apply(tfl.layers.conv2d({ filters: 16, kernelSize: 1, name: 'c2' }), x);
  x = apply(tfl.layers.batchNormalization({ name: 'c2_bn' }), shortcut);
  x = apply(tfl.layers.add({ name: 'add' }), [x, shortcut]);
  // ReLU capped at 4: not a fused activation.
  x = apply(tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'c3' }), x);
  x = apply(tfl.layers.batchNormalization({ name: 'c3_bn' }), x);
  x = apply(tfl.layers.reLU({ maxValue: 4, name: 'c3_relu4' }), x);
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'pool' }), x);
  return tfl.model({ inputs: input, outputs: x, name: 'tiny' });
}

describe('foldBatchNorm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('folds, fuses and pads what matches, leaves the rest, and keeps the outputs', async () => {
    const model = tinyNetwork();
    randomiseBatchNorms(model, 1);
    const input = tf.randomUniform([3, 33, 30, 3], -2, 2, 'float32', 7);
    const outboundBefore = model.layers.map((layer) => layer.outboundNodes.length);
    const { model: folded, report } = foldBatchNorm({ model });
    expect(report).toEqual({
      fusedConvolutions: 4,
      foldedBatchNorms: 3,
      keptBatchNorms: 2,
      fusedActivations: 2,
      absorbedPaddings: 1,
    });
    const difference = compareOutputs(model, folded, input);
    expect(difference.maxRelative).toBeLessThan(1e-4);
    expect(difference.maxAbsolute).toBeLessThan(1e-5 * Math.max(1, difference.scale));
    // Asymmetric [[1,2],[0,1]] at 33x30 is not TF `same`: explicit padding.
    const depthwise = folded.getLayer('d1');
    expect(depthwise.getConfig().padding).toEqual([
      [1, 2],
      [0, 1],
    ]);
    const census = await kernelCensus(folded, input);
    expect(census.PadV2 ?? 0).toBe(0);
    expect(census.FusedBatchNorm).toBe(2);
    expect(census.ClipByValue).toBe(1);
    expect(census.FusedDepthwiseConv2D).toBe(1);
    // The source graph is untouched: no node added to its layers, no variable shared.
    expect(model.layers.map((layer) => layer.outboundNodes.length)).toEqual(outboundBefore);
    const sourceVariables = new Set(model.weights.map((weight) => weight.read().id));
    for (const weight of folded.weights) expect(sourceVariables.has(weight.read().id)).toBe(false);
    for (const layer of folded.layers) expect(layer.trainable).toBe(false);
    folded.dispose();
    model.dispose();
    input.dispose();
  });

  it('gives the same result on the pure-JS CPU backend (explicit depthwise padding, relu6)', async () => {
    await tf.setBackend('cpu');
    try {
      const model = tinyNetwork();
      randomiseBatchNorms(model, 4);
      const input = tf.randomUniform([2, 33, 30, 3], -2, 2, 'float32', 8);
      const { model: folded } = foldBatchNorm({ model });
      expect(compareOutputs(model, folded, input).maxRelative).toBeLessThan(1e-4);
      tf.dispose([input]);
      folded.dispose();
      model.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('rewrites a Sequential model (conv with relu activation, then BatchNorm: not foldable)', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [16, 16, 3],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
        }),
        tfl.layers.batchNormalization({}),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' }),
        tfl.layers.batchNormalization({}),
        tfl.layers.flatten({}),
      ],
    });
    randomiseBatchNorms(model, 5);
    const { model: folded, report } = foldBatchNorm({ model });
    expect(report).toEqual({
      fusedConvolutions: 2,
      foldedBatchNorms: 0,
      keptBatchNorms: 2,
      fusedActivations: 2,
      absorbedPaddings: 0,
    });
    const input = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 6);
    expect(compareOutputs(model, folded, input).maxRelative).toBeLessThan(1e-5);
    input.dispose();
    folded.dispose();
    model.dispose();
  });

  it('turns MobileNetV2 zero padding into `same` at even and odd input sizes, exactly', () => {
    for (const size of [
      [64, 64],
      [65, 67],
    ] as const) {
      const model = buildMobileNetV2({ alpha: 0.35, inputSize: size, pooling: 'avg', seed: 3 });
      randomiseBatchNorms(model, 11);
      const { model: folded, report } = foldBatchNorm({ model });
      expect(report.absorbedPaddings).toBe(5);
      expect(report.foldedBatchNorms).toBe(52);
      for (const name of ['Conv1', 'block_1_depthwise', 'block_13_depthwise']) {
        expect(folded.getLayer(name).getConfig().padding).toBe('same');
      }
      const input = tf.randomUniform([2, size[0], size[1], 3], -1, 1, 'float32', 5);
      const difference = compareOutputs(model, folded, input);
      expect(difference.maxRelative).toBeLessThan(1e-4);
      input.dispose();
      folded.dispose();
      model.dispose();
    }
  });

  it('backbone.inferenceModel(): no leaks across calls and after dispose, reused until a weight changes, follows weight changes', async () => {
    const before = tf.memory().numTensors;
    const model = tinyNetwork();
    randomiseBatchNorms(model, 2);
    const backbone = backboneFromModel({
      model,
      preprocessing: {
        inputSize: [33, 30],
        channelOrder: 'rgb',
        inputRange: [-1, 1],
        mean: [0, 0, 0],
        std: [1, 1, 1],
        resize: { mode: 'stretch', interpolation: 'bilinear' },
      },
    });
    const input = tf.randomUniform([2, 33, 30, 3], -1, 1, 'float32', 9);
    const first = backbone.inferenceModel();
    await expectNoTensorLeaks(() => {
      const again = backbone.inferenceModel();
      // The same weights: the same network, not folded again.
      expect(again).toBe(first);
      tf.dispose(again.predict(input) as tf.Tensor);
    });

    // Simulated training step: the next inference network reflects the new weights.
    const beforeChange = backbone.inferenceModel().predict(input) as tf.Tensor;
    const bn = model.getLayer('c1_bn');
    const changed = bn.getWeights().map((weight) => tf.mul(weight, 1.5));
    bn.setWeights(changed);
    tf.dispose(changed);
    const afterChange = backbone.inferenceModel();
    expect(afterChange).not.toBe(first);
    // The previous network was released.
    expect(() => first.predict(input)).toThrow(/disposed/);
    await expectNoTensorLeaks(() => {
      expect(backbone.inferenceModel()).toBe(afterChange);
    });
    expect(compareOutputs(model, afterChange, input).maxRelative).toBeLessThan(1e-4);
    const moved = tf.tidy(
      () =>
        tf.max(tf.abs(tf.sub(beforeChange, afterChange.predict(input) as tf.Tensor))).dataSync()[0],
    );
    expect(moved).toBeGreaterThan(1e-3);
    beforeChange.dispose();
    input.dispose();
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
