import '@tensorflow/tfjs-backend-cpu';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackbone, getBackboneDescriptor, listBackbones } from '../index.js';
import type { MobileNetV2Backbone, MobileNetV2Options } from './create-mobilenet-v2.js';

function statistics(model: tfl.LayersModel, layerName: string): number[][] {
  return model
    .getLayer(layerName)
    .getWeights()
    .slice(2)
    .map((weight) => Array.from(weight.dataSync()));
}

describe('MobileNetV2 backbones through the registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers every width multiplier with Keras preprocessing and feature sizes', () => {
    expect(listBackbones('mobilenet_v2*')).toEqual([
      'mobilenet_v2_0.35_224',
      'mobilenet_v2_0.5_224',
      'mobilenet_v2_0.75_224',
      'mobilenet_v2_1.0_224',
      'mobilenet_v2_1.3_224',
      'mobilenet_v2_1.4_224',
    ]);
    const descriptor = getBackboneDescriptor('mobilenet_v2_1.0_224');
    expect(descriptor.preprocessing.inputRange).toEqual([-1, 1]);
    expect(descriptor.preprocessing.channelOrder).toBe('rgb');
    expect(descriptor.featureDim).toBe(1280);
    expect(getBackboneDescriptor('mobilenet_v2_1.4_224').featureDim).toBe(1792);
    expect(descriptor.weights[0]?.url).toBe(
      'https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5',
    );
    expect(
      getBackboneDescriptor('mobilenet_v2_0.35_224').weights.map((source) => source.format),
    ).toEqual(['keras-h5', 'keras-h5', 'tfjs-layers']);
    expect(() => getBackboneDescriptor('mobilenet_v2_1.0_244')).toThrow(
      /Did you mean "mobilenet_v2_1.0_224"/,
    );
  });

  it('freezes, unfreezes from block_13, and keeps frozen BatchNorm statistics through a training step', async () => {
    const backbone = (await createBackbone('mobilenet_v2_0.35_224', {
      pretrained: false,
      seed: 3,
      inputSize: [32, 32],
    })) as MobileNetV2Backbone;
    expect(backbone.weightsId).toBe('mobilenet_v2_0.35_224:random:seed3:32x32:avg');
    expect(backbone.stages).toContain('block_13');
    expect(backbone.model.trainableWeights).toHaveLength(0);
    backbone.unfreeze({ from: 'block_13' });
    const trainable = backbone.model.trainableWeights.map((weight) => weight.originalName);
    expect(trainable[0]).toBe('block_13_expand/kernel');
    expect(trainable.some((name) => name.startsWith('block_12'))).toBe(false);
    expect(trainable.at(-1)).toBe('Conv_1_bn/beta');

    const head = tfl.layers.dense({ units: 2, name: 'test_head' });
    const output = head.apply(
      backbone.model.outputs[0] as tfl.SymbolicTensor,
    ) as tfl.SymbolicTensor;
    const trainModel = tfl.model({ inputs: backbone.model.inputs, outputs: output });
    trainModel.compile({ optimizer: tf.train.sgd(0.05), loss: 'sparseCategoricalCrossentropy' });
    const frozenBefore = statistics(backbone.model, 'block_12_project_BN');
    const trainableBefore = statistics(backbone.model, 'block_14_expand_BN');
    const x = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 5);
    const y = tf.tensor1d([0, 1, 1, 0]);
    await trainModel.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(statistics(backbone.model, 'block_12_project_BN')).toEqual(frozenBefore);
    expect(statistics(backbone.model, 'block_14_expand_BN')[0]).not.toEqual(trainableBefore[0]);
    tf.dispose([x, y]);
    head.dispose();

    backbone.freeze();
    expect(backbone.model.trainableWeights).toHaveLength(0);
    expect(backbone.getConfig()).toMatchObject({
      family: 'mobilenet_v2',
      alpha: 0.35,
      featureDim: 1280,
    });
    await expectNoTensorLeaks(() =>
      tf.tidy(() => backbone.model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor),
    );
    backbone.dispose();
  });

  it('releases every tensor on dispose', async () => {
    const before = tf.memory().numTensors;
    const backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.35_224', {
      pretrained: false,
      inputSize: [32, 32],
      includeTop: true,
    });
    expect(tf.memory().numTensors).toBeGreaterThan(before + 260);
    backbone.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keepBatchNormFrozen unfreezes convolutions only', async () => {
    const backbone = await createBackbone<MobileNetV2Options>('mobilenet_v2_0.5_224', {
      pretrained: false,
      inputSize: [32, 32],
      keepBatchNormFrozen: true,
    });
    backbone.unfreeze({ from: 'block_16' });
    expect(backbone.model.trainableWeights.map((weight) => weight.originalName)).toEqual([
      'block_16_expand/kernel',
      'block_16_depthwise/depthwise_kernel',
      'block_16_project/kernel',
      'Conv_1/kernel',
    ]);
    backbone.dispose();
  });
});
