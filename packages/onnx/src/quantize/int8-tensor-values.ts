import { onnxDataType } from '../proto/onnx-schema.js';

/** An initializer as protobufjs decodes it (`longs: Number`, no defaults). */
export interface DecodedInitializer {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
}

/** A float32 initializer's values, or undefined for other types. */
export function floatValues(tensor: DecodedInitializer): Float32Array | undefined {
  if (tensor.dataType !== onnxDataType.float) return undefined;
  const raw = tensor.rawData;
  if (raw !== undefined && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float32Array.from({ length: raw.byteLength / 4 }, (_, index) =>
      view.getFloat32(index * 4, true),
    );
  }
  return tensor.floatData === undefined ? undefined : Float32Array.from(tensor.floatData);
}

/** Symmetric int8 per slice along `axis`. */
export function quantizePerAxis(
  values: Float32Array,
  dims: number[],
  axis: number,
): { values: Int8Array; scales: Float32Array; maxRelativeError: number } {
  const channels = dims[axis] as number;
  // Elements after the axis form one contiguous run per (outer, channel) pair.
  const inner = dims.slice(axis + 1).reduce((product, size) => product * size, 1);
  const channelOf = (index: number) => Math.floor(index / inner) % channels;
  const largest = new Float32Array(channels);
  values.forEach((value, index) => {
    const channel = channelOf(index);
    largest[channel] = Math.max(largest[channel] as number, Math.abs(value));
  });
  // An all-zero channel gets scale 1: its values quantize to 0 exactly.
  const scales = largest.map((maximum) => (maximum > 0 ? maximum / 127 : 1));
  const quantized = new Int8Array(values.length);
  let maxRelativeError = 0;
  values.forEach((value, index) => {
    const channel = channelOf(index);
    const scale = scales[channel] as number;
    const level = Math.max(-127, Math.min(127, Math.round(value / scale)));
    quantized[index] = level;
    const maximum = largest[channel] as number;
    if (maximum > 0) {
      // Math.fround: DequantizeLinear multiplies in float32.
      const error = Math.abs(Math.fround(level * scale) - value) / maximum;
      maxRelativeError = Math.max(maxRelativeError, error);
    }
  });
  return { values: quantized, scales, maxRelativeError };
}

export function littleEndianFloats(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => {
    view.setFloat32(index * 4, value, true);
  });
  return bytes;
}

export function littleEndianInt32s(values: Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => {
    view.setInt32(index * 4, value, true);
  });
  return bytes;
}
