import { InvalidArgumentError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/** Weight quantizations tfjs's own loader (`tf.io.decodeWeights`) dequantizes. */
export const weightQuantizations = ['float16', 'uint8'] as const;

/** One of {@link weightQuantizations}. */
export type WeightQuantization = (typeof weightQuantizations)[number];

/**
 * Quantizes the float32 weights of a tfjs weights manifest as tfjs-converter's
 * `--quantize_float16` / `--quantize_uint8` do, in the same manifest format (each entry keeps
 * `dtype: 'float32'` and gains `quantization: { dtype, min, scale, original_dtype }`), so
 * `tf.loadLayersModel`, Teachable Machine's loader and Graft's read the result unchanged and get
 * float32 weights back. `float16` halves the weights (relative error <= 2^-11); `uint8` quarters
 * them (affine per tensor: 256 levels between its min and max, zero exactly representable, as
 * the converter nudges it) for kernels, float16 for vectors (biases, BatchNorm statistics). Other
 * dtypes (int32 …) are copied as they are.
 */
export function quantizeWeights(options: {
  /** The manifest entries, in the order of `weightData`. */
  weightSpecs: readonly tf.io.WeightsManifestEntry[];
  /** The concatenated weight values. */
  weightData: ArrayBuffer;
  /** Target encoding. */
  quantization: WeightQuantization;
}): { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const { weightSpecs, weightData, quantization } = options;
  if (!weightQuantizations.includes(quantization)) {
    throw new InvalidArgumentError({
      argument: 'quantization',
      value: quantization,
      expected: `must be one of ${weightQuantizations.join(', ')}`,
    });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of weightSpecs) {
    const count = spec.shape.reduce((product, size) => product * size, 1);
    const bytesPerValue = spec.dtype === 'bool' ? 1 : 4;
    if (spec.quantization !== undefined || !['float32', 'int32', 'bool'].includes(spec.dtype)) {
      throw new InvalidArgumentError({
        argument: 'weightSpecs',
        value: `${spec.name} (${spec.dtype}${spec.quantization ? `, already ${spec.quantization.dtype}` : ''})`,
        expected: 'must be unquantized float32, int32 or bool weights',
      });
    }
    const bytes = new Uint8Array(weightData, offset, count * bytesPerValue);
    offset += count * bytesPerValue;
    if (spec.dtype !== 'float32') {
      specs.push({ ...spec });
      parts.push(bytes.slice());
      continue;
    }
    const values = new Float32Array(bytes.slice().buffer);
    // uint8 for kernels only: vectors (biases, BatchNorm scale, offset and moving statistics)
    // are a few KB, and one 1/255-of-range step can zero a small moving variance and blow up
    // its channel (MobileNetV2 0.35, ants/bees: top-1 agreement with float32 93% → 95%).
    if (quantization === 'float16' || spec.shape.length < 2) {
      specs.push({
        ...spec,
        quantization: { dtype: 'float16', original_dtype: 'float32' } as never,
      });
      parts.push(new Uint8Array(toFloat16(values).buffer));
    } else {
      const { quantized, min, scale } = toUint8(values);
      specs.push({
        ...spec,
        quantization: { dtype: 'uint8', min, scale, original_dtype: 'float32' } as never,
      });
      parts.push(quantized);
    }
  }
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const data = new Uint8Array(total);
  let position = 0;
  for (const part of parts) {
    data.set(part, position);
    position += part.byteLength;
  }
  return { weightSpecs: specs, weightData: data.buffer };
}

/** Affine uint8 quantization of one tensor; the range is nudged so 0 is a level (as tfjs-converter). */
function toUint8(values: Float32Array): { quantized: Uint8Array; min: number; scale: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  if (values.length === 0 || low === high) {
    // A constant tensor: one level, exact.
    return { quantized: new Uint8Array(values.length), min: values.length ? low : 0, scale: 1 };
  }
  let scale = (high - low) / 255;
  let min = low;
  if (low <= 0 && high >= 0) {
    const zeroPoint = Math.round(-low / scale);
    min = -zeroPoint * scale;
  }
  // The stored numbers are what the loader multiplies by: float32 on the way in, as in the JSON.
  scale = Math.fround(scale);
  min = Math.fround(min);
  const quantized = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const level = Math.round(((values[index] as number) - min) / scale);
    quantized[index] = Math.min(255, Math.max(0, level));
  }
  return { quantized, min, scale };
}

const float32 = new Float32Array(1);
const bits32 = new Uint32Array(float32.buffer);

/** IEEE half-precision bits of each value, rounded to nearest even (overflow → ±Infinity). */
export function toFloat16(values: Float32Array): Uint16Array {
  const halves = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) {
    float32[0] = values[index] as number;
    const bits = bits32[0] as number;
    const sign = (bits >>> 16) & 0x8000;
    const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
    let mantissa = bits & 0x7fffff;
    if (((bits >>> 23) & 0xff) === 0xff) {
      halves[index] = sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200);
    } else if (exponent >= 0x1f) {
      halves[index] = sign | 0x7c00;
    } else if (exponent <= 0) {
      if (exponent < -10) {
        halves[index] = sign;
        continue;
      }
      mantissa |= 0x800000;
      const shift = 14 - exponent;
      let half = mantissa >>> shift;
      const remainder = mantissa & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
      halves[index] = sign | half;
    } else {
      let half = (exponent << 10) | (mantissa >>> 13);
      const remainder = mantissa & 0x1fff;
      // A carry out of the mantissa rounds up into the exponent, as it should.
      if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
      halves[index] = sign | half;
    }
  }
  return halves;
}
