import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { quantizeWeights, toFloat16 } from './quantize-weights.js';

function decode(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): Record<string, Float32Array | Int32Array> {
  const tensors = tf.io.decodeWeights(data, specs);
  const values = Object.fromEntries(
    Object.entries(tensors).map(([name, tensor]) => [name, tensor.dataSync() as Float32Array]),
  );
  tf.dispose(Object.values(tensors));
  return values;
}

describe('quantizeWeights', () => {
  const kernel = Float32Array.from({ length: 300 }, (_, index) => Math.sin(index) * 0.3 - 0.05);
  const bias = Float32Array.from([0.5, 1.5, 2.5]); // all positive: no zero nudge
  const steps = Int32Array.from([7]);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    { name: 'kernel', shape: [100, 3], dtype: 'float32' },
    { name: 'bias', shape: [3], dtype: 'float32' },
    { name: 'steps', shape: [], dtype: 'int32' },
  ];
  const weightData = tf.io.concatenateArrayBuffers([kernel.buffer, bias.buffer, steps.buffer]);

  it('writes float16 that tfjs decodes within 2^-11 relative error, at half the size', () => {
    const result = quantizeWeights({ weightSpecs, weightData, quantization: 'float16' });
    expect(result.weightData.byteLength).toBe(303 * 2 + 4);
    expect(result.weightSpecs[0]?.quantization?.dtype).toBe('float16');
    const decoded = decode(result.weightSpecs, result.weightData);
    kernel.forEach((value, index) => {
      expect(Math.abs((decoded.kernel?.[index] as number) - value)).toBeLessThanOrEqual(
        Math.abs(value) * 2 ** -11 + 2 ** -24,
      );
    });
    expect(Array.from(decoded.bias as Float32Array)).toEqual([0.5, 1.5, 2.5]);
    expect(Array.from(decoded.steps as Int32Array)).toEqual([7]);
  });

  it('writes uint8 kernels that tfjs decodes within half a step, keeping 0 exact; vectors float16', () => {
    const result = quantizeWeights({ weightSpecs, weightData, quantization: 'uint8' });
    expect(result.weightData.byteLength).toBe(300 + 3 * 2 + 4);
    expect(result.weightSpecs[1]?.quantization?.dtype).toBe('float16');
    const quantization = result.weightSpecs[0]?.quantization as { min: number; scale: number };
    const decoded = decode(result.weightSpecs, result.weightData);
    kernel.forEach((value, index) => {
      expect(Math.abs((decoded.kernel?.[index] as number) - value)).toBeLessThanOrEqual(
        quantization.scale / 2 + 1e-7,
      );
    });
    // Zero is a level of the nudged range.
    expect(
      Math.abs(
        -quantization.min / quantization.scale - Math.round(-quantization.min / quantization.scale),
      ),
    ).toBeLessThan(1e-3);
    expect(Array.from(decoded.steps as Int32Array)).toEqual([7]);
  });

  it('rounds float16 to nearest even, with subnormals, overflow and specials', () => {
    const values = Float32Array.from([
      0,
      -0,
      1,
      65504,
      65520,
      1e-7,
      2 ** -24,
      1 + 2 ** -11,
      Number.POSITIVE_INFINITY,
      Number.NaN,
    ]);
    expect(Array.from(toFloat16(values))).toEqual([
      0x0000, 0x8000, 0x3c00, 0x7bff, 0x7c00, 0x0002, 0x0001, 0x3c00, 0x7c00, 0x7e00,
    ]);
  });

  it('refuses an unknown quantization, naming the choices', () => {
    expect(() =>
      quantizeWeights({ weightSpecs, weightData, quantization: 'int4' as never }),
    ).toThrow(/quantization.*float16, uint8/);
  });
});
