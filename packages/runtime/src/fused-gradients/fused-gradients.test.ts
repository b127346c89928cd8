import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fromHost,
  type HostTensor,
  maxRelativeError,
  randomHost,
  tidyHost,
  toHost,
} from '../testing/compare-backends.js';
import { withOriginalGradients } from '../testing/with-original-gradients.js';
import { batchNormGradientKernelName } from './batch-norm-gradient.js';
import { clipByValueGradientKernelName } from './clip-by-value-gradient.js';
import { meanGradientKernelName } from './mean-gradient.js';
import { registerFusedGradients } from './register-fused-gradients.js';

const tolerance = 1e-4;

/** Gradients of `loss(...inputs)` with respect to every input, on `backend`, on host. */
async function gradientsOn(
  backend: string,
  inputs: HostTensor[],
  loss: (...tensors: tf.Tensor[]) => tf.Scalar,
): Promise<HostTensor[]> {
  await tf.setBackend(backend);
  return tidyHost(() =>
    tf
      .grads(loss)(inputs.map(fromHost))
      .map((gradient) => toHost(gradient)),
  );
}

/** The fused gradients on wasm and cpu against tfjs-core's composition on cpu. */
async function expectMatchesComposition(
  inputs: HostTensor[],
  loss: (...tensors: tf.Tensor[]) => tf.Scalar,
): Promise<void> {
  const expected = await withOriginalGradients('cpu', () => gradientsOn('cpu', inputs, loss));
  for (const backend of ['wasm', 'cpu']) {
    const actual = await gradientsOn(backend, inputs, loss);
    actual.forEach((gradient, index) => {
      expect(gradient.shape).toEqual(expected[index]?.shape);
      expect(
        maxRelativeError(gradient, expected[index] as HostTensor),
        `${backend} input ${index}`,
      ).toBeLessThanOrEqual(tolerance);
    });
  }
}

/** A weighted sum, so every element of `y` gets a different upstream gradient. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, fromHost(randomHost(y.shape, seed)))) as tf.Scalar;
}

describe('fused gradients', () => {
  beforeAll(() => {
    registerFusedGradients();
  });

  it('registers once, kernels for wasm and cpu', () => {
    expect(registerFusedGradients()).toEqual([]);
    for (const name of [clipByValueGradientKernelName, batchNormGradientKernelName]) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
      expect(tf.getKernel(name, 'cpu')).toBeDefined();
    }
  });

  it('ReLU6 (clipByValue 0..6) passes the gradient at exactly 0 and 6 and inside, not outside', async () => {
    const values = new Float32Array([-1, 0, 0.5, 3, 6, 6.5, -0, 5.999, 6.001, -0.001]);
    const x: HostTensor = { shape: [2, 5], values };
    await expectMatchesComposition([x], (input) =>
      weightedSum(tf.clipByValue(input as tf.Tensor, 0, 6), 1),
    );
    await tf.setBackend('wasm');
    const [gradient] = await gradientsOn('wasm', [x], (input) =>
      tf.sum(tf.clipByValue(input as tf.Tensor, 0, 6)),
    );
    expect(Array.from(gradient?.values ?? [])).toEqual([0, 1, 1, 1, 1, 0, 1, 1, 0, 0]);
  });

  it('ReLU6 gradient matches on a feature map', async () => {
    const x = randomHost([2, 7, 7, 8], 2);
    x.values.forEach((value, index) => {
      x.values[index] = value * 8;
    });
    await expectMatchesComposition([x], (input) =>
      weightedSum(tf.clipByValue(input as tf.Tensor, 0, 6), 3),
    );
  });

  // tfjs 4.22 cannot differentiate batchNorm without scale or offset (it saves an undefined
  // input), so every case has both, as tfjs-layers' BatchNormalization passes by default.
  it('BatchNorm in training mode (batch moments) matches', async () => {
    const x = randomHost([3, 5, 4, 6], 4);
    await expectMatchesComposition(
      [x, randomHost([6], 5), randomHost([6], 6)],
      (input, gamma, beta) => {
        const { mean, variance } = tf.moments(input as tf.Tensor, [0, 1, 2]);
        return weightedSum(tf.batchNorm(input as tf.Tensor, mean, variance, beta, gamma, 1e-3), 7);
      },
    );
  });

  it('BatchNorm in inference mode (frozen statistics) matches for x, statistics, scale, offset', async () => {
    const x = randomHost([2, 6, 6, 5], 8);
    const mean = randomHost([5], 9);
    const variance: HostTensor = {
      shape: [5],
      values: randomHost([5], 10).values.map((value) => Math.abs(value) + 0.1),
    };
    await expectMatchesComposition(
      [x, mean, variance, randomHost([5], 11), randomHost([5], 12)],
      (input, movingMean, movingVariance, gamma, beta) =>
        weightedSum(
          tf.batchNorm(input as tf.Tensor, movingMean, movingVariance, beta, gamma, 1e-3),
          13,
        ),
    );
  });

  it('Mean over the leading axes matches, other means fall back', async () => {
    const x = randomHost([3, 4, 5, 6], 17);
    for (const [axis, keepDims] of [
      [[0, 1, 2], false],
      [[0, 1, 2], true],
      [[1, 2], false],
      [undefined, false],
    ] as Array<[number[] | undefined, boolean]>) {
      await expectMatchesComposition([x], (input) =>
        weightedSum(tf.mean(tf.square(input as tf.Tensor), axis, keepDims), 18),
      );
    }
  });

  it('falls back to the composition for statistics that are not per channel', async () => {
    const x = randomHost([2, 3, 3, 4], 14);
    const mean = randomHost([2, 3, 3, 4], 15);
    await expectMatchesComposition([x, mean], (input, statistics) =>
      weightedSum(
        tf.batchNorm(
          input as tf.Tensor,
          statistics,
          tf.onesLike(statistics),
          tf.zerosLike(statistics),
          tf.onesLike(statistics),
        ),
        16,
      ),
    );
  });

  it('runs the fused kernels, not the compositions, on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 5, 5, 3]);
    const info = await tf.profile(() =>
      tf.tidy(() => {
        return tf.grad((input: tf.Tensor) => {
          const { mean, variance } = tf.moments(input, [0, 1, 2]);
          return tf.sum(
            tf.clipByValue(tf.batchNorm(input, mean, variance, tf.zeros([3]), tf.ones([3])), 0, 6),
          );
        })(x);
      }),
    );
    const names = info.kernels.map((kernel) => kernel.name);
    expect(names).toContain(clipByValueGradientKernelName);
    expect(names).toContain(batchNormGradientKernelName);
    expect(names).not.toContain('LogicalAnd');
    expect(names).toContain(meanGradientKernelName);
    tf.dispose([x, info.result as tf.Tensor]);
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 5, 5, 3]);
    const scale = tf.variable(tf.randomNormal([3]));
    const offset = tf.variable(tf.randomNormal([3]));
    await expectNoTensorLeaks(() =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          const y = tf.batchNorm(x, mean, variance, offset, scale, 1e-3);
          return tf.sum(tf.clipByValue(y, 0, 6)) as tf.Scalar;
        });
        return Object.values(grads).map((gradient) => gradient.dataSync()[0]);
      }),
    );
    tf.dispose([x, scale, offset]);
  });
});
