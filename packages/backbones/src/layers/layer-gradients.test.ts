import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { hardSigmoid } from './hard-sigmoid.js';
import { hardSwish } from './hard-swish.js';
import { LayerScale } from './layer-scale.js';
import { StochasticDepth } from './stochastic-depth.js';

// Gradients of the torchvision ports' new ops on wasm (what Node fine-tunes on) against the
// pure-JS CPU backend. Inputs span the hard-swish/hard-sigmoid kinks at ±3.

interface HostTensor {
  values: Float32Array;
  shape: number[];
}

/** Seeded host inputs, identical on every backend. */
function host(shape: number[], seed: number, scale: number): HostTensor {
  let state = seed;
  const values = new Float32Array(shape.reduce((product, length) => product * length, 1));
  for (let index = 0; index < values.length; index++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    values[index] = (state / 2147483648 - 0.5) * 2 * scale;
  }
  return { values, shape };
}

/** Gradients of `sum(f(inputs) · weights)` with respect to every input, computed on `backend`. */
async function gradientsOn(
  backend: string,
  inputs: HostTensor[],
  weights: HostTensor,
  f: (...tensors: tf.Tensor[]) => tf.Tensor,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return expectNoTensorLeaks(
    async () => {
      const tensors = inputs.map((input) => tf.tensor(input.values, input.shape));
      const upstream = tf.tensor(weights.values, weights.shape);
      const gradients = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), upstream)))(
        tensors,
      );
      const data = await Promise.all(
        gradients.map((gradient) => gradient.data() as Promise<Float32Array>),
      );
      tf.dispose([...tensors, upstream, ...gradients]);
      return data;
    },
    { repeats: 1 },
  );
}

function maxError(actual: Float32Array, expected: Float32Array): number {
  let worst = 0;
  for (let index = 0; index < expected.length; index++) {
    const reference = expected[index] as number;
    worst = Math.max(
      worst,
      Math.abs((actual[index] as number) - reference) / (1e-4 + Math.abs(reference)),
    );
  }
  return worst;
}

async function expectSameGradients(
  inputs: HostTensor[],
  weights: HostTensor,
  f: (...tensors: tf.Tensor[]) => tf.Tensor,
): Promise<Float32Array[]> {
  const cpu = await gradientsOn('cpu', inputs, weights, f);
  const wasm = await gradientsOn('wasm', inputs, weights, f);
  cpu.forEach((expected, index) => {
    expect(maxError(wasm[index] as Float32Array, expected)).toBeLessThan(1e-4);
  });
  return cpu;
}

/**
 * Gradients of `sum(layer(x) · upstream)` with respect to `x` and every trainable weight of a
 * layer made by `make` (weights set from `weightValues`), computed on `backend`.
 */
async function layerGradientsOn(
  backend: string,
  make: () => tfl.layers.Layer,
  x: HostTensor,
  weightValues: HostTensor[],
  upstream: HostTensor,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const layer = make();
  const input = tf.variable(tf.tensor(x.values, x.shape));
  layer.apply(input);
  layer.setWeights(weightValues.map((weight) => tf.tensor(weight.values, weight.shape)));
  const upstreamTensor = tf.tensor(upstream.values, upstream.shape);
  const variables = [
    input,
    ...layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
  ];
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, upstreamTensor)) as tf.Scalar,
    variables,
  );
  const data = await Promise.all(
    variables.map((variable) => grads[variable.name]?.data() as Promise<Float32Array>),
  );
  tf.dispose([input, upstreamTensor, ...Object.values(grads)]);
  layer.dispose();
  return data;
}

async function expectSameLayerGradients(
  make: () => tfl.layers.Layer,
  x: HostTensor,
  weightValues: HostTensor[],
): Promise<void> {
  const upstream = host(x.shape, 99, 1);
  const cpu = await layerGradientsOn('cpu', make, x, weightValues, upstream);
  const wasm = await layerGradientsOn('wasm', make, x, weightValues, upstream);
  expect(cpu).toHaveLength(1 + weightValues.length);
  cpu.forEach((expected, index) => {
    expect(expected.some((value) => value !== 0)).toBe(true);
    expect(maxError(wasm[index] as Float32Array, expected)).toBeLessThan(1e-4);
  });
}

describe('gradients of the torchvision ports’ ops, wasm against cpu', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('hard-swish: matches the analytic derivative on both backends', async () => {
    const x = host([2, 5, 5, 8], 1, 5);
    const weights = host([2, 5, 5, 8], 2, 1);
    const layer = hardSwish({ name: 'hardswish' });
    const [gradient] = await expectSameGradients(
      [x],
      weights,
      (input) => layer.apply(input) as tf.Tensor,
    );
    // d/dx x·relu6(x+3)/6 = 0 below −3, (2x+3)/6 between, 1 above 3.
    x.values.forEach((value, index) => {
      const derivative = value < -3 ? 0 : value > 3 ? 1 : (2 * value + 3) / 6;
      expect((gradient as Float32Array)[index]).toBeCloseTo(
        derivative * (weights.values[index] as number),
        5,
      );
    });
  });

  it('hard-sigmoid: matches the analytic derivative on both backends', async () => {
    const x = host([3, 4, 4, 6], 3, 5);
    const weights = host([3, 4, 4, 6], 4, 1);
    const layer = hardSigmoid({ name: 'hardsigmoid' });
    const [gradient] = await expectSameGradients(
      [x],
      weights,
      (input) => layer.apply(input) as tf.Tensor,
    );
    x.values.forEach((value, index) => {
      const derivative = value < -3 || value > 3 ? 0 : 1 / 6;
      expect((gradient as Float32Array)[index]).toBeCloseTo(
        derivative * (weights.values[index] as number),
        5,
      );
    });
  });

  it('squeeze-excitation (pool → fc → ReLU/SiLU → fc → gate → broadcast multiply): same gradients for input and both weights', async () => {
    const channels = 8;
    const squeeze = 4;
    const x = host([2, 6, 6, channels], 5, 2);
    const first = host([channels, squeeze], 6, 0.8);
    const second = host([squeeze, channels], 7, 0.8);
    const weights = host([2, 6, 6, channels], 8, 1);
    const gate = hardSigmoid({ name: 'gate' });
    // The 1x1 convolutions on a 1x1 map are these matrix products (the layers' own kernels
    // are checked by @graft/runtime's wasm training-kernel tests).
    for (const activation of ['relu', 'silu'] as const) {
      const gradients = await expectSameGradients([x, first, second], weights, (input, w1, w2) => {
        const pooled = tf.mean(input as tf.Tensor4D, [1, 2]);
        const hidden = tf.matMul(pooled as tf.Tensor2D, w1 as tf.Tensor2D);
        const activated =
          activation === 'relu' ? tf.relu(hidden) : tf.mul(hidden, tf.sigmoid(hidden));
        const scale = gate.apply(tf.matMul(activated, w2 as tf.Tensor2D)) as tf.Tensor;
        return tf.mul(input as tf.Tensor, tf.reshape(scale, [2, 1, 1, channels]));
      });
      expect(gradients.every((gradient) => gradient.some((value) => value !== 0))).toBe(true);
    }
  });

  it('ConvNeXt LayerNorm on the channel axis of NHWC (ε 1e-6): same gradients for input, γ and β', async () => {
    await expectSameLayerGradients(
      () => tfl.layers.layerNormalization({ axis: -1, epsilon: 1e-6 }),
      host([2, 5, 5, 12], 11, 3),
      [host([12], 12, 1), host([12], 13, 0.5)],
    );
  });

  it('GELU (erf) and layer scale: same gradients for input and the scale', async () => {
    await expectSameLayerGradients(
      () => tfl.layers.activation({ activation: 'gelu' }),
      host([2, 4, 4, 8], 14, 4),
      [],
    );
    await expectSameLayerGradients(() => new LayerScale({}), host([2, 4, 4, 8], 15, 2), [
      host([8], 16, 1),
    ]);
  });

  it('stochastic depth: identity in inference; in training rows are dropped or scaled by 1/(1−rate), and so are their gradients', async () => {
    const layer = new StochasticDepth({ name: 'drop', rate: 0.5 });
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const x = tf.ones([64, 2, 2, 3]);
      const inference = layer.apply(x) as tf.Tensor;
      expect(Array.from(await inference.data()).every((value) => value === 1)).toBe(true);
      const [output, gradient] = tf.tidy(() => {
        const training = (input: tf.Tensor) => layer.apply(input, { training: true }) as tf.Tensor;
        return [tf.reshape(training(x), [64, 12]), tf.reshape(tf.grad(training)(x), [64, 12])];
      }) as [tf.Tensor, tf.Tensor];
      const rows = (await output.array()) as number[][];
      const gradientRows = (await gradient.array()) as number[][];
      // The gradient is the (freshly drawn) mask over keep: each row is all-0 or all-2; check
      // that both kinds occur (64 rows at rate 0.5: P(all one kind) = 2^-63).
      const kinds = new Set(rows.map((row) => row[0]));
      expect([...kinds].sort()).toEqual([0, 2]);
      for (const row of rows) expect(new Set(row).size).toBe(1);
      gradientRows.forEach((row) => {
        expect(new Set(row).size).toBe(1);
        expect([0, 2]).toContain(row[0]);
      });
      tf.dispose([x, inference, output, gradient]);
    }
    expect(() => new StochasticDepth({ name: 'bad', rate: 1 })).toThrow(/rate/);
  });
});
