import '@tensorflow/tfjs-backend-cpu';
import { type BackboneDescriptor, type Preprocessing, UnknownNameError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFrozenBatchNormPolicy } from '../freezing/batch-norm-policy.js';
import {
  createBackbone,
  getBackboneDescriptor,
  listBackbones,
  registerBackbone,
  unregisterBackbone,
} from '../registry/backbone-registry.js';
import { backboneFromModel } from './backbone-from-model.js';

const preprocessing: Preprocessing = {
  inputSize: [16, 16],
  channelOrder: 'rgb',
  inputRange: [0, 1],
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};

/** A user's own CNN, knowing nothing about Graft: conv-BN-relu twice, then a classifier. */
function userCnn(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3], name: 'image' });
  let x = input;
  for (const [index, filters] of [6, 10].entries()) {
    const stage = `stage${index + 1}`;
    x = tfl.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        name: `${stage}_conv`,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + index }),
      })
      .apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `${stage}_bn` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `${stage}_relu` }).apply(x) as tfl.SymbolicTensor;
  }
  const flat = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 4, name: 'logits' }).apply(flat) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'user_cnn' });
}

const descriptor: BackboneDescriptor<{ seed?: number }> = {
  name: 'test_user_cnn',
  family: 'user',
  description: 'A tiny user-defined CNN',
  preprocessing,
  featureDim: 10,
  inputSizes: [[16, 16]],
  weights: [],
  async create(options = {}) {
    return backboneFromModel({
      model: userCnn(options.seed ?? 1),
      featureLayer: 'stage2_relu',
      preprocessing,
      name: 'test_user_cnn',
      stages: ['stage1', 'stage2'],
      weightsId: `test_user_cnn:random:seed${options.seed ?? 1}`,
    });
  },
};

/** One SGD step of a dense head on top of `model` with `training: true`. */
async function trainOneStep(model: tfl.LayersModel): Promise<void> {
  const head = tfl.layers.dense({
    units: 2,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 42 }),
  });
  const output = head.apply(model.outputs[0] as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const trainModel = tfl.model({ inputs: model.inputs, outputs: output });
  trainModel.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.randomNormal([8, 16, 16, 3], 3, 2, 'float32', 7);
  const y = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'float32');
  await trainModel.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  tf.dispose([x, y]);
  // The head's kernel and bias go with it; the backbone's layers are shared and stay.
  head.dispose();
}

/** Moving mean and variance as plain arrays (vitest's equality on typed arrays is unreliable). */
function movingStatistics(model: tfl.LayersModel, layerName: string): number[][] {
  const layer = model.getLayer(layerName);
  return layer
    .getWeights()
    .slice(2)
    .map((weight) => Array.from(weight.dataSync()));
}

function kernelOf(model: tfl.LayersModel, layerName: string): number[] {
  return Array.from(model.getLayer(layerName).getWeights()[0]?.dataSync() ?? []);
}

describe('custom backbones and the registry', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerBackbone(descriptor);
  });
  afterAll(() => {
    unregisterBackbone(descriptor.name);
  });

  it('lists, describes and creates a user-defined CNN like a built-in', async () => {
    expect(listBackbones()).toContain('test_user_cnn');
    expect(listBackbones('test_user*')).toEqual(['test_user_cnn']);
    expect(getBackboneDescriptor('test_user_cnn').featureDim).toBe(10);
    const backbone = await createBackbone('test_user_cnn', { seed: 3 });
    expect(backbone.featureDim).toBe(10);
    expect(backbone.weightsId).toBe('test_user_cnn:random:seed3');
    const images = tf.randomUniform([2, 16, 16, 3], -2, 2, 'float32', 1);
    const features = backbone.model.predict(images) as tf.Tensor;
    expect(features.shape).toEqual([2, 10]);
    // Pooled after relu: non-negative averages.
    expect(tf.min(features).dataSync()[0]).toBeGreaterThanOrEqual(0);
    tf.dispose([images, features]);
    await expectNoTensorLeaks(() =>
      tf.tidy(() => backbone.model.predict(tf.ones([1, 16, 16, 3])) as tf.Tensor),
    );
    backbone.dispose();
  });

  it('throws UnknownNameError listing the valid names', async () => {
    await expect(createBackbone('no_such_backbone')).rejects.toThrow(UnknownNameError);
    expect(() => getBackboneDescriptor('test_user_cn')).toThrow(UnknownNameError);
    try {
      getBackboneDescriptor('test_user_cn');
    } catch (error) {
      expect((error as UnknownNameError).validNames).toContain('test_user_cnn');
      expect((error as Error).message).toContain('Did you mean "test_user_cnn"');
    }
  });

  it('rejects a feature layer that does not exist', () => {
    const model = userCnn(1);
    expect(() => backboneFromModel({ model, featureLayer: 'stage3_relu', preprocessing })).toThrow(
      /featureLayer.*must name a layer/,
    );
    model.dispose();
  });

  it('freezes, unfreezes from a stage, and by selector', async () => {
    const backbone = await createBackbone('test_user_cnn');
    expect(backbone.model.trainableWeights).toHaveLength(0);
    backbone.unfreeze({ from: 'stage2' });
    const names = backbone.model.trainableWeights.map((weight) => weight.originalName);
    expect(names).toEqual([
      'stage2_conv/kernel',
      'stage2_conv/bias',
      'stage2_bn/gamma',
      'stage2_bn/beta',
    ]);
    backbone.freeze();
    backbone.unfreeze({ layers: /conv$/ });
    expect(backbone.model.trainableWeights.map((weight) => weight.originalName)).toEqual([
      'stage1_conv/kernel',
      'stage1_conv/bias',
      'stage2_conv/kernel',
      'stage2_conv/bias',
    ]);
    backbone.unfreeze();
    expect(backbone.model.trainableWeights).toHaveLength(8);
    expect(() => backbone.unfreeze({ from: 'stage9' })).toThrow(/stages: stage1, stage2/);
    backbone.dispose();
  });

  it('tfjs-layers alone updates a non-trainable BatchNorm during fit (the bug the policy fixes)', async () => {
    const model = userCnn(5);
    for (const layer of model.layers) layer.trainable = false;
    const before = movingStatistics(model, 'stage1_bn');
    await trainOneStep(model);
    const after = movingStatistics(model, 'stage1_bn');
    expect(after[0]).not.toEqual(before[0]);
    model.dispose();
  });

  it('keeps moving statistics of frozen BatchNorm unchanged and updates trainable ones', async () => {
    const backbone = await createBackbone('test_user_cnn', { seed: 5 });
    backbone.unfreeze({ from: 'stage2' });
    const frozenBefore = movingStatistics(backbone.model, 'stage1_bn');
    const trainableBefore = movingStatistics(backbone.model, 'stage2_bn');
    const convBefore = kernelOf(backbone.model, 'stage1_conv');
    await trainOneStep(backbone.model);
    expect(movingStatistics(backbone.model, 'stage1_bn')).toEqual(frozenBefore);
    expect(kernelOf(backbone.model, 'stage1_conv')).toEqual(convBefore);
    const trainableAfter = movingStatistics(backbone.model, 'stage2_bn');
    expect(trainableAfter[0]).not.toEqual(trainableBefore[0]);
    expect(trainableAfter[1]).not.toEqual(trainableBefore[1]);
    backbone.dispose();
  });

  it('the BatchNorm policy keeps class names and serialisation unchanged', async () => {
    const model = userCnn(2);
    const before = JSON.stringify(model.toJSON(null, false));
    expect(applyFrozenBatchNormPolicy(model)).toBe(2);
    expect(applyFrozenBatchNormPolicy(model)).toBe(0);
    expect(JSON.stringify(model.toJSON(null, false))).toBe(before);
    expect(model.getLayer('stage1_bn').getClassName()).toBe('BatchNormalization');
    // A saved and reloaded copy is a plain tfjs model.
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(reloaded.layers.map((layer) => layer.getClassName())).toEqual(
      model.layers.map((layer) => layer.getClassName()),
    );
    reloaded.dispose();
    model.dispose();
  });

  it('keepBatchNormFrozen leaves BatchNorm in inference mode while fine-tuning', async () => {
    const backbone = backboneFromModel({
      model: userCnn(9),
      featureLayer: 'stage2_relu',
      preprocessing,
      keepBatchNormFrozen: true,
    });
    backbone.unfreeze();
    const trainable = backbone.model.trainableWeights.map((weight) => weight.originalName);
    expect(trainable).toEqual([
      'stage1_conv/kernel',
      'stage1_conv/bias',
      'stage2_conv/kernel',
      'stage2_conv/bias',
    ]);
    const before = movingStatistics(backbone.model, 'stage2_bn');
    const convBefore = kernelOf(backbone.model, 'stage2_conv');
    await trainOneStep(backbone.model);
    expect(movingStatistics(backbone.model, 'stage2_bn')).toEqual(before);
    expect(kernelOf(backbone.model, 'stage2_conv')).not.toEqual(convBefore);
    backbone.dispose();
  });
});
