import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx } from '../../convert-to-onnx.js';
import { onnxSupport } from '../../onnx-support.js';
import { compareWithOnnxRuntime } from '../../testing/compare-with-onnx-runtime.js';

// LayerNormalization (ConvNeXt's channels-last LayerNorm) against tfjs (cpu) through ONNX Runtime.

/** Random γ and β (the defaults, 1 and 0, would hide an axis or broadcast bug). */
function randomizeWeights(model: tfl.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'LayerNormalization') continue;
    const weights = layer.weights.map((weight, index) =>
      tf.randomUniform(weight.shape as number[], -1.5, 1.5, 'float32', seed + index),
    );
    layer.setWeights(weights);
    tf.dispose(weights);
  }
}

async function expectAgreement(model: tfl.LayersModel, opsetVersion?: number): Promise<void> {
  randomizeWeights(model, 5);
  const bytes = convertToOnnx({ model, ...(opsetVersion === undefined ? {} : { opsetVersion }) });
  for (const batch of [1, 3]) {
    const shape = [batch, ...((model.inputs[0]?.shape ?? []).slice(1) as number[])];
    // An offset and a spread per element, so mean and variance both matter.
    const input = tf.tidy(() =>
      tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', batch), 3), 2),
    );
    const agreement = await compareWithOnnxRuntime({ model, bytes, input });
    input.dispose();
    expect(agreement.onnxShape).toEqual(agreement.tfjsShape);
    expect(agreement.scale).toBeGreaterThan(0.5);
    expect(agreement.maxAbsolute).toBeLessThanOrEqual(1e-5);
  }
}

function chain(inputShape: number[], layers: tfl.layers.Layer[]): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x: tfl.SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

describe('LayerNormalization converter agrees with tfjs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('over the channels of NHWC (ε 1e-6, as in ConvNeXt), then over features of [N, C]', async () => {
    await expectAgreement(
      chain(
        [5, 4, 6],
        [
          tfl.layers.layerNormalization({ axis: -1, epsilon: 1e-6 }),
          tfl.layers.globalAveragePooling2d({}),
          tfl.layers.layerNormalization({ axis: 1, epsilon: 1e-6 }),
        ],
      ),
    );
  });

  it('over a spatial axis of NHWC, without centre or without scale, at opsets 13 and 21', async () => {
    for (const opsetVersion of [13, 21]) {
      await expectAgreement(
        chain(
          [5, 4, 6],
          [
            tfl.layers.layerNormalization({ axis: 2, epsilon: 1e-3, center: false }),
            tfl.layers.layerNormalization({ axis: [1], scale: false }),
          ],
        ),
        opsetVersion,
      );
    }
  });

  it('refuses several axes, naming them', () => {
    const model = chain([5, 4, 6], [tfl.layers.layerNormalization({ axis: [1, 2] })]);
    const support = onnxSupport(model);
    expect(support.supported).toBe(false);
    expect(support.supported ? '' : support.reason).toMatch(/axis \[1,2\]/);
  });
});
