import '@tensorflow/tfjs-backend-cpu';
import type { Backbone } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnnxTrainingEngine, type OnnxTrainingEngine } from './onnx-training-engine.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let seed = 1;
const initializer = () => tfl.initializers.glorotUniform({ seed: seed++ });
const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;
const batchNorm = (name: string) =>
  tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.9, name });

/** A MobileNetV2 in miniature: padding, strided and depthwise convolutions, ReLU6, a residual add. */
function miniMobileNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = apply(
    tfl.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'pad',
    }),
    input,
  );
  x = apply(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      useBias: false,
      name: 'stem',
      kernelInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('stem_bn'), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'stem_relu' }), x);
  const shortcut = x;
  x = apply(
    tfl.layers.conv2d({
      filters: 16,
      kernelSize: 1,
      useBias: false,
      name: 'expand',
      kernelInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('expand_bn'), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'expand_relu' }), x);
  x = apply(
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      name: 'dw',
      depthwiseInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('dw_bn'), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'dw_relu' }), x);
  x = apply(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 1,
      useBias: false,
      name: 'project',
      kernelInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('project_bn'), x);
  x = apply(tfl.layers.add({ name: 'add' }), [shortcut, x]);
  x = apply(
    tfl.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'pad2',
    }),
    x,
  );
  x = apply(
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      useBias: true,
      name: 'dw2',
      depthwiseInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('dw2_bn'), x);
  x = apply(tfl.layers.reLU({ maxValue: 6, name: 'dw2_relu' }), x);
  x = apply(
    tfl.layers.conv2d({
      filters: 12,
      kernelSize: 1,
      useBias: true,
      name: 'head_conv',
      kernelInitializer: initializer(),
    }),
    x,
  );
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'pool' }), x);
  return tfl.model({ inputs: input, outputs: x, name: 'mini_mobilenet' });
}

/**
 * A ResNet in miniature: Keras's zero-padded 7x7 stem (the padding folds into the convolution,
 * whose input gradient then needs ConvTranspose's output padding), max pooling, a strided basic
 * block with a 1x1 downsample.
 */
function miniResNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 3] });
  let x = apply(tfl.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = apply(
    tfl.layers.conv2d({
      filters: 8,
      kernelSize: 7,
      strides: 2,
      padding: 'valid',
      useBias: false,
      name: 'conv1',
      kernelInitializer: initializer(),
    }),
    x,
  );
  x = apply(batchNorm('bn1'), x);
  x = apply(tfl.layers.reLU({ name: 'relu' }), x);
  x = apply(tfl.layers.zeroPadding2d({ padding: 1, name: 'maxpool_pad' }), x);
  x = apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'maxpool' }), x);
  let branch = apply(
    tfl.layers.conv2d({
      filters: 16,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      name: 'b_conv1',
      kernelInitializer: initializer(),
    }),
    x,
  );
  branch = apply(batchNorm('b_bn1'), branch);
  branch = apply(tfl.layers.reLU({ name: 'b_relu' }), branch);
  branch = apply(
    tfl.layers.conv2d({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      name: 'b_conv2',
      kernelInitializer: initializer(),
    }),
    branch,
  );
  branch = apply(batchNorm('b_bn2'), branch);
  let shortcut = apply(
    tfl.layers.conv2d({
      filters: 16,
      kernelSize: 1,
      strides: 2,
      useBias: false,
      name: 'down',
      kernelInitializer: initializer(),
    }),
    x,
  );
  shortcut = apply(batchNorm('down_bn'), shortcut);
  x = apply(tfl.layers.add({ name: 'add' }), [shortcut, branch]);
  x = apply(tfl.layers.reLU({ name: 'out_relu' }), x);
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'pool' }), x);
  return tfl.model({ inputs: input, outputs: x, name: 'mini_resnet' });
}

function asBackbone(model: tfl.LayersModel): Backbone {
  return {
    name: model.name,
    model,
    featureDim: model.outputs[0]?.shape[1] as number,
  } as unknown as Backbone;
}

/** `engine`: an open engine to use (and leave open); default a new one, closed after the pass. */
async function compareGradients(model: tfl.LayersModel, rows: number, engine?: OnnxTrainingEngine) {
  const backbone = asBackbone(model);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const images = tf.randomNormal([rows, 16, 16, 3], 0, 1, 'float32', 7);
  const featureGradient = tf.randomNormal([rows, backbone.featureDim], 0, 1, 'float32', 8);
  const used = engine ?? (await createOnnxTrainingEngine({ intraOpNumThreads: 1 }));
  const moving = model.weights.filter((weight) => /moving/.test(weight.name));
  const before = moving.map((weight) => weight.read().dataSync().slice());
  const pass = await used.forward({
    backbone,
    variables,
    inputs: images.dataSync() as Float32Array,
    shape: [rows, 16, 16, 3],
  });
  const onnxMoving = moving.map((weight) => weight.read().dataSync().slice());
  const gradients = await pass.backward(featureGradient.dataSync() as Float32Array);
  if (engine === undefined) await used.close();
  moving.forEach((weight, index) => {
    const restored = tf.tensor(before[index] as Float32Array, weight.shape as number[]);
    weight.write(restored);
    restored.dispose();
  });
  const { value, grads } = tf.variableGrads(() => {
    const features = model.apply(images, { training: true }) as tf.Tensor;
    return tf.sum(tf.mul(features, featureGradient)) as tf.Scalar;
  }, variables);
  const errors = variables.map((variable, index) => {
    const expected = grads[variable.name]?.dataSync() as Float32Array;
    const actual = gradients[index] as Float32Array;
    let difference = 0;
    let scale = 0;
    expected.forEach((item, position) => {
      difference = Math.max(difference, Math.abs(item - (actual[position] as number)));
      scale = Math.max(scale, Math.abs(item));
    });
    return { name: variable.name, difference, scale };
  });
  const movingErrors = moving.map((weight, index) => {
    const expected = weight.read().dataSync();
    const actual = onnxMoving[index] as Float32Array;
    return Math.max(
      ...Array.from(expected, (item, position) => Math.abs(item - (actual[position] as number))),
    );
  });
  tf.dispose([images, featureGradient, value, ...Object.values(grads)]);
  return { errors, movingErrors };
}

/**
 * Within 1e-4 of each variable's largest gradient, plus 1e-6 for gradients that are zero up to
 * rounding (a bias before a training-mode BatchNorm: the normalisation removes any shift).
 */
function expectClose(errors: Array<{ name: string; difference: number; scale: number }>): void {
  for (const error of errors) {
    expect(error.difference, error.name).toBeLessThanOrEqual(1e-4 * error.scale + 1e-6);
  }
}

describe('createOnnxTrainingEngine', () => {
  for (const [label, build] of [
    ['MobileNetV2-like', miniMobileNet],
    ['ResNet-like', miniResNet],
  ] as const) {
    it(`${label}: gradients and moving statistics equal the JS CPU backend's`, async () => {
      const tensors = tf.memory().numTensors;
      const model = build();
      const { errors, movingErrors } = await compareGradients(model, 3);
      expect(errors.length).toBe(model.trainableWeights.length);
      expectClose(errors);
      for (const error of movingErrors) expect(error).toBeLessThan(1e-6);
      model.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    });
  }

  it('reads weights changed between steps (the threads copy what changed)', async () => {
    const model = miniMobileNet();
    const engine = await createOnnxTrainingEngine({ workers: 1, intraOpNumThreads: 1 });
    expectClose((await compareGradients(model, 2, engine)).errors);
    // As an optimiser step would: new values for some weights, the rest unchanged.
    model.trainableWeights.forEach((weight, index) => {
      if (index % 2 === 1) return;
      const next = tf.tidy(() => tf.add(tf.mul(weight.read(), -0.5), 0.01));
      weight.write(next);
      next.dispose();
    });
    const { errors } = await compareGradients(model, 2, engine);
    expectClose(errors);
    await engine.close();
    model.dispose();
  });

  it('with frozen layers, returns only the requested gradients and uses the moving statistics of frozen BatchNorm', async () => {
    const model = miniMobileNet();
    // As @graft/backbones' frozen-BatchNorm policy: a non-trainable BatchNorm runs in inference mode.
    for (const layer of model.layers) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      const holder = layer as unknown as Record<symbol, boolean> & {
        call: (inputs: unknown, kwargs: Record<string, unknown>) => unknown;
      };
      const call = holder.call.bind(layer);
      holder.call = (inputs, kwargs) =>
        call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
      holder[Symbol.for('graft.backbones.frozenBatchNormInference')] = true;
    }
    const frozen = model.layers.findIndex((layer) => layer.name === 'add');
    model.layers.forEach((layer, index) => {
      layer.trainable = index > frozen;
    });
    const movingBefore = model.weights
      .filter((weight) => /stem_bn\/moving/.test(weight.name))
      .map((weight) => weight.read().dataSync().slice());
    const { errors } = await compareGradients(model, 2);
    expect(errors.map((error) => error.name)).toEqual(
      model.trainableWeights.map((weight) => weight.name),
    );
    expect(errors.map((error) => error.name)).not.toContain('stem/kernel');
    expectClose(errors);
    const movingAfter = model.weights
      .filter((weight) => /stem_bn\/moving/.test(weight.name))
      .map((weight) => weight.read().dataSync());
    expect(movingAfter).toEqual(movingBefore);
    model.dispose();
  });

  it('declines a backbone with a layer it has no gradient for, naming the layer', async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const flat = apply(tfl.layers.flatten({ name: 'flat' }), input);
    const model = tfl.model({
      inputs: input,
      outputs: apply(tfl.layers.dense({ units: 4, name: 'fc' }), flat),
    });
    const engine = await createOnnxTrainingEngine({ intraOpNumThreads: 1 });
    expect(engine.unsupportedReason(asBackbone(model))).toMatch(
      /layer flat \(Flatten\) has no ONNX training layer \(supported: .*Conv2D/,
    );
    expect(engine.unsupportedReason(asBackbone(miniResNet()))).toBeUndefined();
    await engine.close();
    model.dispose();
  });
});
