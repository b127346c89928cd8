import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fromHost,
  type HostTensor,
  maxRelativeError,
  randomHost,
  tidyHost,
  toHost,
} from '../testing/compare-backends.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import {
  registerWasmTrainingKernels,
  wasmTrainingKernelNames,
} from './register-wasm-training-kernels.js';

const tolerance = 1e-4;

/** Runs `compute` on `backend` with the host inputs uploaded there; returns the result on host. */
async function runOn(
  backend: string,
  inputs: HostTensor[],
  compute: (...tensors: tf.Tensor4D[]) => tf.Tensor,
): Promise<HostTensor> {
  await tf.setBackend(backend);
  return tidyHost(() => toHost(compute(...(inputs.map(fromHost) as tf.Tensor4D[]))));
}

interface Case {
  kernel: number;
  stride: number;
  pad: 'same' | 'valid';
  batch: number;
  size: number;
  multiplier: number;
}

const cases: Case[] = [];
for (const kernel of [1, 3, 5, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      // Vary batch, size and multiplier across the grid instead of a full product (run time).
      const index = cases.length;
      cases.push({
        kernel,
        stride,
        pad,
        batch: index % 2 === 0 ? 1 : 3,
        size: index % 3 === 0 ? 13 : 7,
        multiplier: index % 4 < 2 ? 1 : 2,
      });
    }
  }
}
const label = (c: Case): string =>
  `k${c.kernel} s${c.stride} ${c.pad} n${c.batch} ${c.size}x${c.size} m${c.multiplier}`;
const named: Array<[string, Case]> = cases.map((c) => [label(c), c]);

describe('wasm training kernels', () => {
  const worst = { conv2dFilter: 0, conv2dInput: 0, depthwiseInput: 0, depthwiseFilter: 0 };

  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });
  afterAll(() => {
    console.log(`max relative errors vs cpu: ${JSON.stringify(worst)}`);
  });

  it('registers once and leaves existing kernels alone', () => {
    expect(registerWasmTrainingKernels()).toEqual([]);
    for (const name of wasmTrainingKernelNames) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
  });

  it.each(named)('Conv2DBackpropFilter matches cpu: %s', async (_name, c) => {
    const inChannels = 3;
    const outChannels = 4;
    const x = randomHost([c.batch, c.size, c.size, inChannels], 1);
    const filterShape: [number, number, number, number] = [
      c.kernel,
      c.kernel,
      inChannels,
      outChannels,
    ];
    const forward = await runOn('cpu', [x, randomHost(filterShape, 2)], (input, filter) =>
      tf.conv2d(input, filter as tf.Tensor4D, c.stride, c.pad),
    );
    const dy = randomHost(forward.shape, 3);
    const compute = (input: tf.Tensor4D, gradient: tf.Tensor4D) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: input, dy: gradient }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const expected = await runOn('cpu', [x, dy], compute);
    const actual = await runOn('wasm', [x, dy], compute);
    const error = maxRelativeError(actual, expected);
    worst.conv2dFilter = Math.max(worst.conv2dFilter, error);
    expect(error, label(c)).toBeLessThanOrEqual(tolerance);
  });

  it.each(named)('Conv2DBackpropInput matches cpu: %s', async (_name, c) => {
    const inChannels = 3;
    const outChannels = 4;
    const inputShape: [number, number, number, number] = [c.batch, c.size, c.size, inChannels];
    const filter = randomHost([c.kernel, c.kernel, inChannels, outChannels], 16);
    const forward = await runOn('cpu', [randomHost(inputShape, 17), filter], (input, weights) =>
      tf.conv2d(input, weights as tf.Tensor4D, c.stride, c.pad),
    );
    const dy = randomHost(forward.shape, 18);
    const compute = (gradient: tf.Tensor4D, weights: tf.Tensor4D) =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: gradient, filter: weights }, {
        strides: c.stride,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const expected = await runOn('cpu', [dy, filter], compute);
    const actual = await runOn('wasm', [dy, filter], compute);
    const error = maxRelativeError(actual, expected);
    worst.conv2dInput = Math.max(worst.conv2dInput, error);
    expect(error, label(c)).toBeLessThanOrEqual(tolerance);
  });

  it('tiles like the native kernel, broadcast-shaped or not', async () => {
    const x = randomHost([1, 1, 1, 5], 19);
    const y = randomHost([2, 1, 3], 20);
    for (const [input, reps] of [
      [x, [3, 4, 2, 1]],
      [y, [2, 3, 1]],
    ] as Array<[HostTensor, number[]]>) {
      const compute = (tensor: tf.Tensor4D) => tf.tile(tensor, reps);
      const expected = await runOn('cpu', [input], compute);
      const actual = await runOn('wasm', [input], compute);
      expect(actual.shape).toEqual(expected.shape);
      expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    }
  });

  it('slices like the native kernel: contiguous, strided, whole, int32, any rank', async () => {
    const x = randomHost([3, 5, 4, 6], 22);
    for (const [begin, size] of [
      [
        [1, 0, 0, 0],
        [2, 5, 4, 6],
      ],
      [
        [0, 1, 2, 3],
        [3, 3, 2, 2],
      ],
      [
        [0, 0, 0, 0],
        [3, 5, 4, 6],
      ],
      [
        [2, 4, 3, 5],
        [1, 1, 1, 1],
      ],
    ] as Array<[number[], number[]]>) {
      const compute = (tensor: tf.Tensor4D) => tf.slice(tensor, begin, size);
      const expected = await runOn('cpu', [x], compute);
      const actual = await runOn('wasm', [x], compute);
      expect(actual.shape).toEqual(expected.shape);
      expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    }
    await tf.setBackend('wasm');
    const [integers, vector, fiveD] = tf.tidy(() => [
      tf.slice(tf.reshape(tf.range(0, 24, 1, 'int32'), [4, 6]), [1, 2], [2, 3]).arraySync(),
      tf.slice(tf.range(0, 10), [3], [4]).arraySync(),
      tf
        .slice(tf.reshape(tf.range(0, 32), [2, 2, 2, 2, 2]), [1, 0, 1, 0, 1], [1, 2, 1, 2, 1])
        .arraySync(),
    ]);
    expect(integers).toEqual([
      [8, 9, 10],
      [14, 15, 16],
    ]);
    expect(vector).toEqual([3, 4, 5, 6]);
    expect(fiveD).toEqual([[[[[21], [23]]], [[[29], [31]]]]]);
  });

  it('clones and slices whole tensors without copying, and frees the memory once', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const clone = tf.clone(x);
    const whole = tf.slice(x, [0, 0], [2, 2]);
    expect(clone.dataId).toBe(x.dataId);
    expect(whole.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(whole.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([clone, whole]);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });

  it('sums and averages over the leading axes like the native kernels, other axes too', async () => {
    const x = randomHost([3, 5, 4, 6], 21);
    for (const [axis, keepDims] of [
      [[0, 1, 2], false],
      [[2, 0, 1], true],
      [[0, 1], false],
      [-1, false],
      [[1, 2], true],
      [undefined, false],
    ] as Array<[number | number[] | undefined, boolean]>) {
      for (const reduce of [tf.sum, tf.mean]) {
        const compute = (tensor: tf.Tensor4D) => reduce(tensor, axis, keepDims);
        const expected = await runOn('cpu', [x], compute);
        const actual = await runOn('wasm', [x], compute);
        expect(actual.shape).toEqual(expected.shape);
        expect(maxRelativeError(actual, expected), JSON.stringify(axis)).toBeLessThanOrEqual(
          tolerance,
        );
      }
    }
  });

  it.each(named)('DepthwiseConv2dNativeBackpropInput matches cpu: %s', async (_name, c) => {
    const channels = 3;
    const inputShape: [number, number, number, number] = [c.batch, c.size, c.size, channels];
    const filter = randomHost([c.kernel, c.kernel, channels, c.multiplier], 4);
    const forward = await runOn('cpu', [randomHost(inputShape, 5), filter], (input, weights) =>
      tf.depthwiseConv2d(input, weights as tf.Tensor4D, c.stride, c.pad),
    );
    const dy = randomHost(forward.shape, 6);
    const compute = (gradient: tf.Tensor4D, weights: tf.Tensor4D) =>
      tf
        .engine()
        .runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy: gradient, filter: weights }, {
          strides: c.stride,
          dilations: 1,
          pad: c.pad,
          inputShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const expected = await runOn('cpu', [dy, filter], compute);
    const actual = await runOn('wasm', [dy, filter], compute);
    const error = maxRelativeError(actual, expected);
    worst.depthwiseInput = Math.max(worst.depthwiseInput, error);
    expect(error, label(c)).toBeLessThanOrEqual(tolerance);
  });

  it.each(named)('DepthwiseConv2dNativeBackpropFilter matches cpu: %s', async (_name, c) => {
    const channels = 3;
    const x = randomHost([c.batch, c.size, c.size, channels], 7);
    const filterShape: [number, number, number, number] = [
      c.kernel,
      c.kernel,
      channels,
      c.multiplier,
    ];
    const forward = await runOn('cpu', [x, randomHost(filterShape, 8)], (input, weights) =>
      tf.depthwiseConv2d(input, weights as tf.Tensor4D, c.stride, c.pad),
    );
    const dy = randomHost(forward.shape, 9);
    const compute = (input: tf.Tensor4D, gradient: tf.Tensor4D) =>
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: input, dy: gradient }, {
        strides: c.stride,
        dilations: 1,
        pad: c.pad,
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const expected = await runOn('cpu', [x, dy], compute);
    const actual = await runOn('wasm', [x, dy], compute);
    const error = maxRelativeError(actual, expected);
    worst.depthwiseFilter = Math.max(worst.depthwiseFilter, error);
    expect(error, label(c)).toBeLessThanOrEqual(tolerance);
  });

  it('handles explicit paddings, including ones wider than the filter', async () => {
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [2, 0],
      [1, 4],
      [0, 0],
    ];
    const x = randomHost([2, 9, 8, 3], 10);
    const filterShape: [number, number, number, number] = [3, 3, 3, 2];
    const forward = await runOn('cpu', [x, randomHost(filterShape, 11)], (input, filter) =>
      tf.conv2d(input, filter as tf.Tensor4D, 2, pad),
    );
    const dy = randomHost(forward.shape, 12);
    const compute = (input: tf.Tensor4D, gradient: tf.Tensor4D) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: input, dy: gradient }, {
        strides: 2,
        pad,
        dataFormat: 'NHWC',
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const expected = await runOn('cpu', [x, dy], compute);
    const actual = await runOn('wasm', [x, dy], compute);
    expect(maxRelativeError(actual, expected)).toBeLessThanOrEqual(tolerance);

    // Depthwise: input gradient through the op's own gradient (tf.grad on depthwiseConv2d).
    const depthwiseFilter = randomHost([3, 3, 3, 2], 13);
    const inputGradient = (input: tf.Tensor4D, weights: tf.Tensor4D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, pad))),
      )([input, weights])[0] as tf.Tensor;
    const filterGradient = (input: tf.Tensor4D, weights: tf.Tensor4D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, pad))),
      )([input, weights])[1] as tf.Tensor;
    for (const gradient of [inputGradient, filterGradient]) {
      const cpu = await runOn('cpu', [x, depthwiseFilter], gradient);
      const wasm = await runOn('wasm', [x, depthwiseFilter], gradient);
      expect(maxRelativeError(wasm, cpu)).toBeLessThanOrEqual(tolerance);
    }
  });

  it('gives the same filter gradient tap by tap as with one im2col matMul', async () => {
    await tf.setBackend('wasm');
    const attrs: tf.Conv2DBackpropFilterAttrs = {
      strides: 2,
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape: [3, 3, 4, 5],
    };
    const [single, tapByTap] = tidyHost(() => {
      const x = fromHost(randomHost([3, 13, 13, 4], 14)) as tf.Tensor4D;
      const dy = fromHost(randomHost([3, 7, 7, 5], 15)) as tf.Tensor4D;
      return [
        toHost(conv2dBackpropFilter({ x, dy, attrs })),
        toHost(conv2dBackpropFilter({ x, dy, attrs, im2colLimit: 0 })),
      ] as [HostTensor, HostTensor];
    });
    expect(maxRelativeError(tapByTap, single)).toBeLessThanOrEqual(tolerance);
  });

  it('rejects dilated depthwise convolutions with a clear error', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(
            tf.DepthwiseConv2dNativeBackpropFilter,
            { x: tf.zeros([1, 5, 5, 2]), dy: tf.zeros([1, 5, 5, 2]) },
            {
              strides: 1,
              dilations: 2,
              pad: 'same',
              filterShape: [3, 3, 2, 1],
            } as unknown as tf.NamedAttrMap,
          ),
      ),
    ).toThrow(/dilations.*must be 1 on the wasm backend/);
  });

  it('does not leak tensors when training through the kernels', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 9, 9, 4]) as tf.Tensor4D;
    const filter = tf.variable(tf.randomNormal([3, 3, 4, 2]));
    const depthwise = tf.variable(tf.randomNormal([3, 3, 4, 2]));
    await expectNoTensorLeaks(() =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () =>
            tf.add(
              tf.sum(tf.conv2d(x, filter as tf.Tensor4D, 2, 'same')),
              tf.sum(tf.depthwiseConv2d(x, depthwise as tf.Tensor4D, 1, 'valid')),
            ) as tf.Scalar,
        );
        return Object.values(grads).map((gradient) => gradient.dataSync()[0]);
      }),
    );
    tf.dispose([x, filter, depthwise]);
  });
});
