import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertToOnnx } from '../convert-to-onnx.js';
import { describeOnnxModel } from '../describe-onnx-model.js';
import { quantizeOnnxCalibrated } from '../node/quantize-onnx-calibrated.js';
import { ActivationRangeObserver } from './activation-range-observer.js';
import { buildCalibrationModel } from './build-calibration-model.js';
import { PercentileRangeObserver } from './percentile-range-observer.js';
import { quantizeOnnxStatic, uint8Parameters } from './quantize-onnx-static.js';

// MobileNetV2's pattern in small: Conv + ReLU6, depthwise Conv, a residual Add, global average
// pooling and a softmax Dense head.
function residualNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [12, 12, 3], name: 'pixels' });
  const initializer = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const stem = tfl.layers
    .conv2d({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu6',
      name: 'stem',
      kernelInitializer: initializer(1),
      biasInitializer: tfl.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: 4 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  const depthwise = tfl.layers
    .depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      name: 'depthwise',
      depthwiseInitializer: initializer(2),
    })
    .apply(stem) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'residual' }).apply([stem, depthwise]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(sum);
  const output = tfl.layers
    .dense({ units: 5, activation: 'softmax', name: 'head', kernelInitializer: initializer(3) })
    .apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'residual_net' });
}

const shape = [4, 12, 12, 3];
function pixels(seed: number): Float32Array {
  return Float32Array.from({ length: 4 * 12 * 12 * 3 }, (_, index) =>
    Math.sin(index * 0.37 + seed * 1.3),
  );
}
async function* batches(count: number) {
  for (let seed = 0; seed < count; seed++) yield { data: pixels(seed), shape };
}

async function runOnnx(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const results = await session.run({ pixels: new ort.Tensor('float32', input, shape) });
    return results[session.outputNames[0] as string]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

function argMaxRows(values: Float32Array, classes: number): number[] {
  return Array.from({ length: values.length / classes }, (_, row) => {
    const slice = Array.from(values.subarray(row * classes, (row + 1) * classes));
    return slice.indexOf(Math.max(...slice));
  });
}

describe('static int8 quantization (QDQ)', () => {
  let float32: Uint8Array;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const model = residualNet();
    float32 = convertToOnnx({ model });
    model.dispose();
  });

  it('calibrates, writes QDQ activations and int8 weights, and ONNX Runtime fuses them into integer kernels', async () => {
    const quantized = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(3),
      runtime: ort,
    });
    expect(quantized.calibrationImages).toBe(12);
    expect(quantized.quantizedWeights).toBe(3);
    // ReLU6 after the stem becomes uint8 saturation of the Conv's output.
    expect(quantized.foldedActivations).toBe(1);
    const operators = describeOnnxModel(quantized.model).operators;
    expect(operators.Clip).toBeUndefined();
    expect(operators.QuantizeLinear).toBe(quantized.quantizedActivations);
    expect(quantized.quantizedActivations).toBeGreaterThanOrEqual(4);

    // What ONNX Runtime actually runs: its optimized graph, written to a file.
    const directory = await mkdtemp(join(tmpdir(), 'graft-qdq-'));
    try {
      const file = join(directory, 'optimized.onnx');
      const session = await ort.InferenceSession.create(quantized.model, {
        optimizedModelFilePath: file,
      });
      await session.release();
      const fused = describeOnnxModel(new Uint8Array(await readFile(file))).operators;
      expect(fused.QLinearConv).toBe(2);
      expect(fused.QLinearAdd).toBe(1);
      expect(fused.QGemm).toBe(1);
      expect(fused.Conv).toBeUndefined();
      expect(fused.DequantizeLinear ?? 0).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }

    let agree = 0;
    let largest = 0;
    for (const seed of [7, 8, 9]) {
      const input = pixels(seed);
      const reference = await runOnnx(float32, input);
      const candidate = await runOnnx(quantized.model, input);
      const top = argMaxRows(candidate, 5);
      argMaxRows(reference, 5).forEach((label, row) => {
        if (label === top[row]) agree++;
      });
      reference.forEach((value, index) => {
        largest = Math.max(largest, Math.abs(value - (candidate[index] as number)));
      });
    }
    expect(agree).toBeGreaterThanOrEqual(10);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(0.05);
  });

  it('is deterministic for the same calibration images', async () => {
    const first = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(2),
      runtime: ort,
    });
    const second = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(2),
      runtime: ort,
    });
    const other = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(1),
      runtime: ort,
    });
    expect(Buffer.from(second.model).equals(Buffer.from(first.model))).toBe(true);
    expect(Buffer.from(other.model).equals(Buffer.from(first.model))).toBe(false);
  });

  it('percentile calibration narrows ranges (another model than MinMax) and refuses unknown methods', async () => {
    const minMax = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(2),
      runtime: ort,
    });
    const percentile = await quantizeOnnxCalibrated({
      model: float32,
      batches: batches(2),
      runtime: ort,
      method: 'percentile',
      // These few thousand values per tensor: 99.999 % would keep the largest one.
      percentile: 99.9,
    });
    expect(percentile.calibrationImages).toBe(8);
    expect(Buffer.from(percentile.model).equals(Buffer.from(minMax.model))).toBe(false);
    const reference = await runOnnx(float32, pixels(7));
    const candidate = await runOnnx(percentile.model, pixels(7));
    expect(argMaxRows(candidate, 5)).toEqual(argMaxRows(reference, 5));
    await expect(
      quantizeOnnxCalibrated({
        model: float32,
        batches: batches(1),
        runtime: ort,
        method: 'entropy' as never,
      }),
    ).rejects.toThrow(/method.*minmax, percentile/s);
  });

  it('asks for a range of every tensor the calibration model lists', () => {
    const calibration = buildCalibrationModel({ model: float32 });
    expect(calibration.inputs).toEqual(['pixels']);
    expect(describeOnnxModel(calibration.model).outputs.length).toBe(calibration.tensors.length);
    const ranges = Object.fromEntries(calibration.tensors.map((name) => [name, [-1, 1] as const]));
    expect(() => quantizeOnnxStatic({ model: float32, ranges })).not.toThrow();
    const { [calibration.tensors[1] as string]: _, ...missing } = ranges;
    expect(() => quantizeOnnxStatic({ model: float32, ranges: missing })).toThrow(
      InvalidArgumentError,
    );
    expect(() => quantizeOnnxStatic({ model: float32, ranges: missing })).toThrow(/ranges/);
  });
});

describe('PercentileRangeObserver', () => {
  it('clips a rare outlier out of the range and keeps a range without one', () => {
    const values = Float32Array.from(
      { length: 200_000 },
      (_, index) => ((index % 1000) - 500) / 500,
    );
    values[0] = 40;
    const minMax = new ActivationRangeObserver();
    minMax.observe('x', values);
    minMax.observe('y', [0, 0.5, 1]);
    const percentile = new PercentileRangeObserver(minMax.result());
    percentile.observe('x', values);
    percentile.observe('y', [0, 0.5, 1]);
    const ranges = percentile.result(99.99);
    expect(minMax.result().x).toEqual([-1, 40]);
    // One value in 200,000 is above the 99.99th percentile: the range ends near 1, not 40.
    expect(ranges.x?.[0]).toBe(-1);
    expect(ranges.x?.[1]).toBeGreaterThan(0.99);
    expect(ranges.x?.[1]).toBeLessThan(1.03);
    expect(ranges.y).toEqual([0, 1]);
    expect(() => percentile.result(0)).toThrow(/percentile/);
  });
});

describe('ActivationRangeObserver and uint8Parameters', () => {
  it('keeps the min and max over batches and maps them to uint8 with 0 exact', () => {
    const observer = new ActivationRangeObserver();
    observer.observe('x', [0.5, 2, -1]);
    observer.observe('x', [3, 0]);
    observer.observe('y', [0.25, 4]);
    expect(observer.result()).toEqual({ x: [-1, 3], y: [0.25, 4] });
    expect(() => observer.observe('z', [])).toThrow(/z/);
    const { scale, zeroPoint } = uint8Parameters(-1, 3);
    expect(scale).toBeCloseTo(4 / 255, 7);
    expect(zeroPoint).toBe(64);
    // A range above 0 is widened to include it: zero point 0.
    expect(uint8Parameters(0.25, 4).zeroPoint).toBe(0);
    expect(uint8Parameters(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
  });
});
