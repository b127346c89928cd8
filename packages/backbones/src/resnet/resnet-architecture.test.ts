import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import { InvalidArgumentError } from '@graft/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildResNet, type ResNetDepth, resNetFeatureDim } from './resnet-architecture.js';

// Parameter counts of torchvision.models.resnet<depth>() (parameters, not BatchNorm buffers).
const torchvisionParameters: Record<ResNetDepth, number> = {
  18: 11_689_512,
  34: 21_797_672,
  50: 25_557_032,
  101: 44_549_160,
  152: 60_192_808,
};

function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, weight) => sum + weight.shape.reduce((product: number, size) => product * (size ?? 0), 1),
    0,
  );
}

describe('buildResNet', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([18, 34, 50, 101, 152] as const)(
    'resnet%i has torchvision’s parameters and names',
    (depth) => {
      const model = buildResNet({ depth, includeTop: true });
      expect(trainableCount(model)).toBe(torchvisionParameters[depth]);
      expect(model.outputs[0]?.shape).toEqual([null, 1000]);
      expect(model.getLayer('avgpool').outputShape).toEqual([null, resNetFeatureDim(depth)]);
      expect(model.getLayer('layer4.0.downsample.0').outputShape).toEqual([
        null,
        7,
        7,
        resNetFeatureDim(depth),
      ]);
      if (depth >= 50) {
        // v1.5: the stride sits on the 3x3 conv2, the 1x1 conv1 keeps the resolution.
        expect(model.getLayer('layer2.0.conv1').outputShape).toEqual([null, 56, 56, 128]);
        expect(model.getLayer('layer2.0.conv2').outputShape).toEqual([null, 28, 28, 128]);
      }
      model.dispose();
    },
  );

  it('pads stride-2 convolutions symmetrically, like PyTorch', async () => {
    // With an all-ones 7x7 kernel, output (0, 0) of conv1 sums input rows/cols -3..3 (PyTorch
    // padding 3), i.e. the real rows/cols 0..3. tfjs `same` pads 2 before and 3 after at this
    // size, and would sum rows/cols 0..4.
    const model = buildResNet({ depth: 18, inputSize: [32, 32] });
    const stem = tfl.model({
      inputs: model.inputs,
      outputs: model.getLayer('conv1').output as tfl.SymbolicTensor,
    });
    const kernel = tf.ones([7, 7, 3, 64]);
    model.getLayer('conv1').setWeights([kernel]);
    kernel.dispose();
    const pixels = tf.tensor4d(
      Array.from({ length: 32 * 32 * 3 }, (_, index) => Math.floor(index / 3)),
      [1, 32, 32, 3],
    );
    const output = stem.predict(pixels) as tf.Tensor4D;
    const values = await output.data();
    tf.dispose([pixels, output]);
    let expected = 0;
    for (let row = 0; row <= 3; row++)
      for (let column = 0; column <= 3; column++) expected += row * 32 + column;
    expect(output.shape).toEqual([1, 16, 16, 64]);
    expect(values[0]).toBe(expected * 3);
    model.dispose();
  });

  it('max-pools like PyTorch (3x3/2, padding 1 with −∞) on the ReLU output', async () => {
    const model = buildResNet({ depth: 18, inputSize: [32, 32] });
    const pool = tfl.model({
      inputs: model.inputs,
      outputs: [
        model.getLayer('relu').output,
        model.getLayer('maxpool').output,
      ] as tfl.SymbolicTensor[],
    });
    const kernel = tf.randomNormal([7, 7, 3, 64], 0, 1, 'float32', 5);
    model.getLayer('conv1').setWeights([kernel]);
    kernel.dispose();
    const pixels = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 6);
    const [relu, pooled] = pool.predict(pixels) as [tf.Tensor4D, tf.Tensor4D];
    const reference = tf.tidy(() =>
      tf.maxPool(
        tf.pad(
          relu,
          [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ],
          Number.NEGATIVE_INFINITY,
        ),
        3,
        2,
        'valid',
      ),
    );
    expect(pooled.shape).toEqual([1, 8, 8, 64]);
    expect(await pooled.data()).toEqual(await reference.data());
    tf.dispose([pixels, relu, pooled, reference]);
    model.dispose();
  });

  it('rejects unknown depths and tiny inputs', () => {
    expect(() => buildResNet({ depth: 20 as ResNetDepth })).toThrow(InvalidArgumentError);
    expect(() => buildResNet({ depth: 18, inputSize: [16, 16] })).toThrow(
      'Argument `inputSize` must be two integers ≥ 32. Received: inputSize=[16,16]',
    );
  });

  it('initialises from a seed reproducibly', () => {
    const first = buildResNet({ depth: 18, inputSize: [32, 32], seed: 3 });
    const second = buildResNet({ depth: 18, inputSize: [32, 32], seed: 3 });
    const values = (model: typeof first) =>
      model.getLayer('layer3.1.conv2').getWeights()[0]?.dataSync();
    const a = values(first);
    expect(a?.some((value) => value !== 0)).toBe(true);
    expect(a).toEqual(values(second));
    first.dispose();
    second.dispose();
  });
});
