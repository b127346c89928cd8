import '@tensorflow/tfjs-backend-cpu';
import { UnknownNameError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, adamw } from './adam.js';
import type { Optimizer } from './optimizer.js';
import { createOptimizer, listOptimizers } from './optimizer-registry.js';
import { sgd } from './sgd.js';

/** Applies `steps` updates of a constant gradient to w = [1, -2] and returns w. */
function run(optimizer: Optimizer, gradient: number[], rates: number[], decay = true): number[] {
  const variable = tf.variable(tf.tensor1d([1, -2]));
  const g = tf.tensor1d(gradient);
  for (const rate of rates) {
    optimizer.applyGradients({
      variables: [{ key: 'w', variable, decay }],
      gradients: [g],
      learningRate: rate,
    });
  }
  const values = Array.from(variable.dataSync());
  tf.dispose([variable, g]);
  return values;
}

describe('optimisers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('SGD with Nesterov momentum follows PyTorch', () => {
    // v1 = g; w1 = w0 - lr (g + m v1); v2 = m v1 + g; w2 = w1 - lr (g + m v2).
    const [lr, m, g] = [0.1, 0.9, 0.5];
    const v1 = g;
    const w1 = 1 - lr * (g + m * v1);
    const v2 = m * v1 + g;
    const w2 = w1 - lr * (g + m * v2);
    const result = run(sgd({ momentum: m, nesterov: true }), [g, g], [lr, lr]);
    expect(result[0]).toBeCloseTo(w2, 6);
  });

  it('AdamW decays weights decoupled from the gradient, Adam does not', () => {
    const [lr, wd] = [0.01, 0.1];
    // With a zero gradient, Adam's step is 0: only the decoupled decay moves the weights.
    const decayed = run(adamw({ weightDecay: wd }), [0, 0], [lr, lr]);
    expect(decayed[0]).toBeCloseTo(1 * (1 - lr * wd) ** 2, 6);
    expect(decayed[1]).toBeCloseTo(-2 * (1 - lr * wd) ** 2, 6);
    expect(run(adam(), [0, 0], [lr, lr])).toEqual([1, -2]);
    // Variables not marked for decay are left alone.
    expect(run(adamw({ weightDecay: wd }), [0, 0], [lr], false)).toEqual([1, -2]);
    // First Adam step moves every weight by lr (bias-corrected m/sqrt(v) = sign(g)).
    const first = run(adam({ epsilon: 1e-12 }), [0.3, -4], [lr]);
    expect(first[0]).toBeCloseTo(1 - lr, 6);
    expect(first[1]).toBeCloseTo(-2 + lr, 6);
  });

  it('restores its state so the next update is the same', () => {
    const variable = tf.variable(tf.tensor1d([1, -2]));
    const g = tf.tensor1d([0.2, 0.1]);
    const update = (optimizer: Optimizer) =>
      optimizer.applyGradients({
        variables: [{ key: 'w', variable }],
        gradients: [g],
        learningRate: 0.1,
      });
    const original = adam();
    update(original);
    update(original);
    const state = original.getState();
    const copy = adam();
    copy.setState(state);
    tf.dispose(state.slots.map((slot) => slot.tensor));
    const start = variable.dataSync().slice();
    update(original);
    const viaOriginal = variable.dataSync().slice();
    variable.assign(tf.tensor1d(Array.from(start)));
    update(copy);
    expect(Array.from(variable.dataSync())).toEqual(Array.from(viaOriginal));
    expect(copy.iterations).toBe(3);
    tf.dispose([variable, g]);
    original.dispose();
    copy.dispose();
  });

  it('rejects options an optimiser does not have, and mistyped values, naming the valid ones', () => {
    expect(() => createOptimizer({ name: 'sgd', momentun: 0.9 })).toThrow(
      /sgd\.momentun.*valid options: learningRate, momentum, nesterov, weightDecay/,
    );
    expect(() => createOptimizer({ name: 'sgd', nesterov: 1 })).toThrow(/sgd\.nesterov.*boolean/);
    expect(() => createOptimizer({ name: 'adamw', beta1: '0.9' })).toThrow(/adamw\.beta1.*number/);
    expect(
      createOptimizer({ name: 'sgd', momentum: 0.9, nesterov: true }).getConfig(),
    ).toMatchObject({ name: 'sgd', momentum: 0.9, nesterov: true });
    expect(listOptimizers()).toEqual(['adam', 'adamw', 'sgd']);
  });

  it('creates optimisers by name and lists valid names otherwise', async () => {
    const optimizer = createOptimizer({ name: 'adamw', learningRate: 0.002, weightDecay: 0.05 });
    expect(optimizer.getConfig()).toMatchObject({
      name: 'adamw',
      learningRate: 0.002,
      weightDecay: 0.05,
    });
    expect(() => createOptimizer({ name: 'adamm' })).toThrow(UnknownNameError);
    expect(() => createOptimizer({ name: 'adamm' })).toThrow(/Did you mean "adam"/);
    expect(() => sgd({ momentum: 1 })).toThrow(/momentum/);
    const variable = tf.variable(tf.tensor1d([1, 2]));
    const g = tf.tensor1d([1, 1]);
    await expectNoTensorLeaks(() =>
      optimizer.applyGradients({
        variables: [{ key: 'v', variable }],
        gradients: [g],
        learningRate: 0.1,
      }),
    );
    tf.dispose([variable, g]);
    optimizer.dispose();
  });
});
