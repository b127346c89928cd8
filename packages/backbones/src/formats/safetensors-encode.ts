import type { SafetensorsDtype } from './safetensors-tensor.js';

/** One tensor to write with {@link encodeSafetensors}. */
export interface SafetensorsInput {
  /** Element type to store. F16 and BF16 round from the float32 values given. */
  dtype: Extract<SafetensorsDtype, 'F32' | 'F16' | 'BF16' | 'I64'>;
  /** Shape. */
  shape: readonly number[];
  /** Values, row-major. */
  values: ArrayLike<number>;
}

/**
 * Serialises tensors in the safetensors format (header padded with spaces to 8 bytes, as the
 * reference writer does). Used to export converted weights and to build test files.
 */
export function encodeSafetensors(options: {
  /** Tensors by name, written in this order. */
  tensors: Record<string, SafetensorsInput>;
  /** Optional `__metadata__` string map. */
  metadata?: Record<string, string>;
}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header.__metadata__ = options.metadata;
  const itemSizes = { F32: 4, F16: 2, BF16: 2, I64: 8 } as const;
  let offset = 0;
  for (const [name, tensor] of Object.entries(options.tensors)) {
    const size = tensor.values.length * itemSizes[tensor.dtype];
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + size],
    };
    offset += size;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const bytes = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  bytes.set(headerBytes, 8);
  let position = 8 + headerBytes.byteLength;
  const scratch = new DataView(new ArrayBuffer(4));
  for (const tensor of Object.values(options.tensors)) {
    for (let index = 0; index < tensor.values.length; index++) {
      const value = tensor.values[index] as number;
      switch (tensor.dtype) {
        case 'F32':
          view.setFloat32(position, value, true);
          position += 4;
          break;
        case 'F16':
          view.setUint16(position, floatToHalf(value), true);
          position += 2;
          break;
        case 'BF16':
          // Truncation, not rounding: enough for tests and exact for bf16-representable values.
          scratch.setFloat32(0, value, true);
          view.setUint16(position, scratch.getUint32(0, true) >>> 16, true);
          position += 2;
          break;
        case 'I64':
          view.setBigInt64(position, BigInt(Math.trunc(value)), true);
          position += 8;
          break;
      }
    }
  }
  return bytes;
}

/** float32 → float16 bits, round to nearest even (via Math.fround on the scaled mantissa). */
function floatToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  if (magnitude < 2 ** -14) {
    // Subnormal: units of 2^-24.
    return sign | roundHalfEven(magnitude / 2 ** -24);
  }
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  let mantissa = roundHalfEven((magnitude / 2 ** exponent - 1) * 1024);
  if (mantissa === 1024) {
    mantissa = 0;
    exponent += 1;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | mantissa;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference > 0.5) return floor + 1;
  if (difference < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
