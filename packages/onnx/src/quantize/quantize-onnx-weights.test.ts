import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx } from '../convert-to-onnx.js';
import { describeOnnxModel } from '../describe-onnx-model.js';
import { quantizeOnnxWeights } from './quantize-onnx-weights.js';

// Conv, depthwise conv (Conv with groups) and Dense (Gemm), each big enough to be quantized.
function convNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3], name: 'pixels' });
  let x = tfl.layers
    .conv2d({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      name: 'stem',
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers
    .depthwiseConv2d({
      kernelSize: 5,
      padding: 'same',
      name: 'depthwise',
      depthwiseInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({
      units: 20,
      activation: 'softmax',
      name: 'head',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x, name: 'quantize_me' });
}

async function runOnnx(bytes: Uint8Array, pixels: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { pixels: new ort.Tensor('float32', pixels, [2, 12, 12, 3]) };
    const results = await session.run(feeds);
    return results[session.outputNames[0] as string]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('quantizeOnnxWeights', () => {
  let float32: Uint8Array;
  const pixels = Float32Array.from({ length: 2 * 12 * 12 * 3 }, (_, index) =>
    Math.sin(index * 0.37),
  );
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const model = convNet();
    float32 = convertToOnnx({ model });
    model.dispose();
  });

  it('stores Conv and Gemm weights as int8 behind DequantizeLinear; ONNX Runtime gives nearly the same probabilities', async () => {
    const result = quantizeOnnxWeights({ model: float32 });
    // stem 16·3·3·3 = 432, depthwise 16·1·5·5 = 400, head 16·20 = 320 values; the biases stay.
    expect(result.quantizedTensors).toBe(3);
    expect(result.quantizedValues).toBe(432 + 400 + 320);
    // Rounding to the nearest of 127 levels errs by at most half a level.
    expect(result.maxRelativeError).toBeGreaterThan(0);
    expect(result.maxRelativeError).toBeLessThanOrEqual(0.5 / 127 + 1e-6);
    const operators = describeOnnxModel(result.model).operators;
    expect(operators.DequantizeLinear).toBe(3);
    // One byte instead of four per weight; scales, zero points and node names cost < 1 of the 3 saved.
    expect(float32.length - result.model.length).toBeGreaterThan(2 * 1152);

    const reference = await runOnnx(float32, pixels);
    const quantized = await runOnnx(result.model, pixels);
    expect(quantized.length).toBe(40);
    let largest = 0;
    let different = 0;
    reference.forEach((value, index) => {
      const change = Math.abs(value - (quantized[index] as number));
      largest = Math.max(largest, change);
      if (change > 0) different++;
    });
    expect(different).toBeGreaterThan(0);
    expect(largest).toBeLessThan(2e-3);
  });

  it('leaves weights smaller than minimumValues in float32', () => {
    const result = quantizeOnnxWeights({ model: float32, minimumValues: 401 });
    expect(result.quantizedTensors).toBe(1);
    expect(describeOnnxModel(result.model).operators.DequantizeLinear).toBe(1);
  });

  it('names the argument when given bytes that are not an ONNX model', () => {
    expect(() => quantizeOnnxWeights({ model: Uint8Array.of(1, 2, 3, 255) })).toThrow(
      InvalidArgumentError,
    );
    expect(() => quantizeOnnxWeights({ model: float32, minimumValues: 0 })).toThrow(
      /minimumValues/,
    );
  });
});
