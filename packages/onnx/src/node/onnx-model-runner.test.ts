import '@tensorflow/tfjs-backend-cpu';
import { GraftError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnnxModelRunner } from './onnx-model-runner.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A frozen prefix's shape: convolution, BatchNorm with non-trivial statistics, ReLU6. */
function prefixModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  const convolved = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'stem' })
    .apply(input) as tfl.SymbolicTensor;
  const normalized = tfl.layers
    .batchNormalization({ name: 'stem_bn' })
    .apply(convolved) as tfl.SymbolicTensor;
  const activated = tfl.layers.reLU({ maxValue: 6 }).apply(normalized) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: activated, name: 'prefix' });
  // Gamma, beta, moving mean and variance that are not the identity.
  tf.tidy(() =>
    model
      .getLayer('stem_bn')
      .setWeights([
        tf.randomUniform([4], 0.5, 1.5, 'float32', 3),
        tf.randomUniform([4], -0.5, 0.5, 'float32', 4),
        tf.randomUniform([4], -0.2, 0.2, 'float32', 5),
        tf.randomUniform([4], 0.5, 2, 'float32', 6),
      ]),
  );
  return model;
}

describe('createOnnxModelRunner', () => {
  it('runs a converted tfjs model with its outputs (within 1e-4), then closes', async () => {
    const model = prefixModel();
    const input = tf.randomUniform([5, 8, 8, 3], -1, 1, 'float32', 7);
    const expected = model.predict(input) as tf.Tensor;
    const runner = await createOnnxModelRunner({ model, intraOpNumThreads: 1 });
    const pixels = (await input.data()) as Float32Array;
    const output = await runner.run(pixels.slice(), input.shape);
    const wanted = (await expected.data()) as Float32Array;
    expect(runner.detail).toMatch(/^onnxruntime-node .*, cpu provider, 1 thread$/);
    expect(output.length).toBe(wanted.length);
    let largest = 0;
    for (const [index, value] of wanted.entries()) {
      largest = Math.max(largest, Math.abs(value - (output[index] ?? Number.NaN)));
    }
    expect(largest).toBeLessThan(1e-4);
    await runner.close();
    await runner.close();
    await expect(runner.run(pixels, input.shape)).rejects.toThrow(/closed/);
    tf.dispose([input, expected]);
    model.dispose();
  });

  it('says when onnxruntime-node is missing', async () => {
    const model = prefixModel();
    await expect(
      createOnnxModelRunner({
        model,
        importer: () => Promise.reject(new Error("Cannot find package 'onnxruntime-node'")),
      }),
    ).rejects.toBeInstanceOf(GraftError);
    model.dispose();
  });
});
