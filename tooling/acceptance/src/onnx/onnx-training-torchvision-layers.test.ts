// Issue 22: ONNX training graphs (`buildTrainingGraphs`) for the torchvision ports' layers —
// hard-swish, the hard-sigmoid and sigmoid squeeze-excitation gates with their broadcast
// multiply, SiLU, GELU, LayerNorm on NHWC channels and on [N, C], Dense over channels, layer scale
// and stochastic depth — give the gradients tfjs's JS CPU backend gives, on small models built
// from @graft/backbones' own layer classes, run by ONNX Runtime in this thread.
import {
  createBackbone,
  HardSwish,
  hardSigmoid,
  LayerScale,
  StochasticDepth,
} from '@graft/backbones';
import { buildTrainingGraphs, findUntrainableLayer } from '@graft/onnx';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';

let seed = 1;
const initializer = () => tfl.initializers.glorotNormal({ seed: seed++ });
const biasInitializer = () => tfl.initializers.randomNormal({ mean: 0, stddev: 0.5, seed: seed++ });
const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
  layer.apply(x) as tfl.SymbolicTensor;
const conv = (
  filters: number,
  kernelSize: number,
  options: Omit<Parameters<typeof tfl.layers.conv2d>[0], 'filters' | 'kernelSize'> = {},
) =>
  tfl.layers.conv2d({
    filters,
    kernelSize,
    padding: 'same',
    kernelInitializer: initializer(),
    biasInitializer: biasInitializer(),
    ...options,
  });

/** Squeeze-excitation as the ports build it: pool → reshape → fc1 → activation → fc2 → gate → ×. */
function squeezeExcitation(
  x: tfl.SymbolicTensor,
  activation: tfl.layers.Layer,
  gate: tfl.layers.Layer,
): tfl.SymbolicTensor {
  const channels = x.shape[3] as number;
  let scale = apply(tfl.layers.globalAveragePooling2d({}), x);
  scale = apply(tfl.layers.reshape({ targetShape: [1, 1, channels] }), scale);
  // Small weights keep the gate off its flat parts (where every SE gradient would be zero).
  const small = () => tfl.initializers.randomNormal({ mean: 0, stddev: 0.2, seed: seed++ });
  scale = apply(conv(4, 1, { kernelInitializer: small() }), scale);
  scale = apply(activation, scale);
  scale = apply(conv(channels, 1, { kernelInitializer: small() }), scale);
  scale = apply(gate, scale);
  return apply(tfl.layers.multiply({}), [x, scale]);
}

function mobileNetV3Like(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = apply(conv(8, 3, { useBias: false }), input);
  x = apply(new HardSwish({ name: 'hardswish' }), x);
  x = squeezeExcitation(x, tfl.layers.reLU({}), hardSigmoid({ name: 'gate' }));
  x = apply(conv(6, 1), x);
  x = apply(tfl.layers.globalAveragePooling2d({}), x);
  return tfl.model({ inputs: input, outputs: x, name: 'mobilenet_v3_like' });
}

function efficientNetLike(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  const stem = apply(conv(6, 3), input);
  let x = apply(tfl.layers.activation({ activation: 'swish' }), stem);
  x = squeezeExcitation(
    x,
    tfl.layers.activation({ activation: 'swish' }),
    tfl.layers.activation({ activation: 'sigmoid' }),
  );
  x = apply(conv(6, 1), x);
  // Rate 0 keeps both sides deterministic; the drawn mask is checked below.
  x = apply(new StochasticDepth({ name: 'drop', rate: 0 }), x);
  x = apply(tfl.layers.add({}), [x, stem]);
  x = apply(tfl.layers.globalAveragePooling2d({}), x);
  return tfl.model({ inputs: input, outputs: x, name: 'efficientnet_like' });
}

function convNextLike(): tfl.LayersModel {
  const norm = () =>
    tfl.layers.layerNormalization({
      axis: -1,
      epsilon: 1e-6,
      gammaInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: seed++ }),
      betaInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed++ }),
    });
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = apply(conv(8, 2, { strides: 2, padding: 'valid' }), input);
  x = apply(norm(), x);
  const blockInput = x;
  let y = apply(
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      depthwiseInitializer: initializer(),
      biasInitializer: biasInitializer(),
    }),
    x,
  );
  y = apply(norm(), y);
  y = apply(
    tfl.layers.dense({
      units: 16,
      kernelInitializer: initializer(),
      biasInitializer: biasInitializer(),
    }),
    y,
  );
  y = apply(tfl.layers.activation({ activation: 'gelu' }), y);
  y = apply(tfl.layers.dense({ units: 8, kernelInitializer: initializer() }), y);
  const scale = new LayerScale({ name: 'layer_scale' });
  y = apply(scale, y);
  y = apply(new StochasticDepth({ name: 'drop', rate: 0 }), y);
  x = apply(tfl.layers.add({}), [y, blockInput]);
  x = apply(tfl.layers.globalAveragePooling2d({}), x);
  x = apply(norm(), x);
  x = apply(tfl.layers.dense({ units: 5, kernelInitializer: initializer() }), x);
  const model = tfl.model({ inputs: input, outputs: x, name: 'convnext_like' });
  // Layer scale starts at ones in tfjs: a varied γ shows an axis mistake.
  const gamma = tf.randomUniform([8], 0.2, 2, 'float32', seed++);
  scale.setWeights([gamma]);
  gamma.dispose();
  return model;
}

/** One ONNX training step's outputs: features and the gradient of every trainable weight. */
async function onnxStep(
  model: tfl.LayersModel,
  images: tf.Tensor,
  featureGradient: tf.Tensor,
): Promise<{ features: Float32Array; gradients: Float32Array[] }> {
  const graphs = buildTrainingGraphs({
    model,
    variables: model.trainableWeights,
    batchNormTraining: () => false,
  });
  const feedsOf = (weights: Map<string, tfl.LayerVariable>) =>
    Object.fromEntries(
      [...weights].map(([name, weight]) => [
        name,
        new ort.Tensor(
          'float32',
          Float32Array.from(weight.read().dataSync()),
          weight.shape as number[],
        ),
      ]),
    );
  const forward = await ort.InferenceSession.create(graphs.forward);
  const backward = await ort.InferenceSession.create(graphs.backward);
  try {
    const forwardOutputs = await forward.run({
      images: new ort.Tensor('float32', Float32Array.from(images.dataSync()), images.shape),
      ...feedsOf(graphs.forwardWeights),
    });
    const backwardOutputs = await backward.run({
      d_features: new ort.Tensor(
        'float32',
        Float32Array.from(featureGradient.dataSync()),
        featureGradient.shape,
      ),
      ...feedsOf(graphs.backwardWeights),
      ...Object.fromEntries(graphs.saved.map((name) => [name, forwardOutputs[name] as ort.Tensor])),
    });
    return {
      features: forwardOutputs.features?.data as Float32Array,
      gradients: graphs.gradients.map((name) => {
        if (name === undefined) throw new Error('a trainable weight got no gradient');
        return backwardOutputs[name]?.data as Float32Array;
      }),
    };
  } finally {
    await forward.release();
    await backward.release();
  }
}

/** tfjs (cpu) gradients of `sum(features · featureGradient)` for every trainable weight. */
function tfjsGradients(
  model: tfl.LayersModel,
  images: tf.Tensor,
  featureGradient: tf.Tensor,
  mask?: tf.Tensor,
): Float32Array[] {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    let features = model.apply(images, { training: true }) as tf.Tensor;
    if (mask !== undefined) features = tf.mul(features, mask);
    return tf.sum(tf.mul(features, featureGradient)) as tf.Scalar;
  }, variables);
  const result = variables.map((variable) => grads[variable.name]?.dataSync() as Float32Array);
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

/** Within 1e-4 of each weight's largest gradient (plus 1e-6 for gradients zero up to rounding). */
function expectClose(
  model: tfl.LayersModel,
  actual: Float32Array[],
  expected: Float32Array[],
): void {
  expect(actual).toHaveLength(model.trainableWeights.length);
  expected.forEach((reference, index) => {
    const name = model.trainableWeights[index]?.name;
    let difference = 0;
    let scale = 0;
    reference.forEach((item, position) => {
      difference = Math.max(difference, Math.abs(item - (actual[index]?.[position] as number)));
      scale = Math.max(scale, Math.abs(item));
    });
    expect(scale, `${name}: a gradient that is zero cannot show a mistake`).toBeGreaterThan(1e-3);
    expect(difference, name).toBeLessThanOrEqual(1e-4 * scale + 1e-6);
  });
}

describe('ONNX training graphs of the torchvision ports’ layers against the JS CPU backend', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['MobileNetV3-like (hard-swish, SE with ReLU and hard-sigmoid gate)', mobileNetV3Like],
    [
      'EfficientNet-like (SiLU, SE with SiLU and sigmoid gate, stochastic depth, residual)',
      efficientNetLike,
    ],
    [
      'ConvNeXt-like (4x4→2x2 stem, LayerNorm, Dense over channels, GELU, layer scale, [N, C] LayerNorm and Dense)',
      convNextLike,
    ],
  ] as const)('%s: every weight’s gradient', async (_label, build) => {
    const tensors = tf.memory().numTensors;
    const model = build();
    // Spread ±6, so hard-swish and hard-sigmoid see both kinks at ±3.
    const images = tf.randomNormal([3, 8, 8, 3], 0, 2, 'float32', 7);
    const featureGradient = tf.randomNormal(
      [3, model.outputs[0]?.shape[1] as number],
      0,
      1,
      'float32',
      8,
    );
    const { gradients } = await onnxStep(model, images, featureGradient);
    expectClose(model, gradients, tfjsGradients(model, images, featureGradient));
    tf.dispose([images, featureGradient]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('stochastic depth at rate 0.5: each sample is dropped or scaled by 2, and its gradient with it', async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const convolution = conv(3, 3);
    const branch = apply(convolution, input);
    const dropped = apply(new StochasticDepth({ name: 'drop', rate: 0.5 }), branch);
    const model = tfl.model({ inputs: input, outputs: dropped });
    const plain = tfl.model({ inputs: input, outputs: branch });
    const rows = 32;
    const images = tf.randomNormal([rows, 4, 4, 2], 0, 1, 'float32', 9);
    const featureGradient = tf.randomNormal([rows, 4, 4, 3], 0, 1, 'float32', 10);
    const { features, gradients } = await onnxStep(model, images, featureGradient);
    const reference = plain.predict(images) as tf.Tensor;
    const expected = reference.dataSync();
    const size = 4 * 4 * 3;
    const kept = Array.from({ length: rows }, (_, row) => {
      const values = features.subarray(row * size, (row + 1) * size);
      const factor = values.every((value) => value === 0) ? 0 : 2;
      let worst = 0;
      values.forEach((value, index) => {
        worst = Math.max(
          worst,
          Math.abs(value - factor * (expected[row * size + index] as number)),
        );
      });
      expect(worst, `row ${row}`).toBeLessThan(1e-5);
      return factor;
    });
    // Both outcomes occur (P(all one kind) = 2^-31) and nothing else does.
    expect(new Set(kept)).toEqual(new Set([0, 2]));
    // The gradient is tfjs's for the same draw: the plain branch times the mask.
    const mask = tf.tensor4d(kept, [rows, 1, 1, 1]);
    expectClose(plain, gradients, tfjsGradients(plain, images, featureGradient, mask));
    tf.dispose([images, featureGradient, reference, mask]);
    model.dispose();
  });

  it.each([
    ['mobilenet_v3_small', 64],
    ['efficientnet_b0', 64],
    ['convnext_tiny', 64],
  ] as const)('%s: every layer has an ONNX training layer', async (name, size) => {
    const backbone = await createBackbone(name, {
      pretrained: false,
      seed: 1,
      inputSize: [size, size],
    });
    expect(findUntrainableLayer(backbone.model)).toBeUndefined();
    backbone.dispose();
  });
});
