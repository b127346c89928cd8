import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradients (tfjs-core alone has none).
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { releaseGradientTape } from './release-gradient-tape.js';

describe('releaseGradientTape', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('frees what the tape kept for a gradient computation that threw mid-forward', () => {
    const weights = tf.variable(tf.ones([64, 64]));
    const before = tf.memory().numTensors;
    expect(() =>
      tf.variableGrads(() => {
        const hidden = tf.relu(tf.matMul(tf.ones([8, 64]), weights));
        tf.sum(tf.square(hidden));
        throw new Error('Out of memory');
      }, [weights]),
    ).toThrow('Out of memory');
    // tfjs keeps the saved inputs/outputs of the recorded ops.
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    expect(releaseGradientTape()).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    // Nothing left: a second call frees nothing, and gradients still work.
    expect(releaseGradientTape()).toBe(0);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(weights, 2)) as tf.Scalar,
      [weights],
    );
    expect(grads[weights.name]?.dataSync()[0]).toBe(2);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    weights.dispose();
  });
});
