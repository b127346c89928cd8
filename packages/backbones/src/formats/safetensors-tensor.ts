import { FileFormatError } from '@graft/core';

// What one safetensors entry is, and how its bytes become numbers.

/** Element types of the safetensors format this reader decodes. */
export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U8'
  | 'BOOL';

/** One entry of a safetensors header. */
export interface SafetensorsEntry {
  /** Tensor name, e.g. `layer1.0.conv1.weight`. */
  name: string;
  /** Element type as stored. */
  dtype: SafetensorsDtype;
  /** Shape as stored (PyTorch layout, e.g. OIHW for conv kernels). */
  shape: readonly number[];
  /** Byte range `[begin, end)` relative to the start of the data section. */
  dataOffsets: readonly [number, number];
}

/** A decoded tensor: floating types become float32, integer and boolean types int32. */
export interface SafetensorsTensor {
  /** Tensor name. */
  name: string;
  /** Element type as stored in the file. */
  storedDtype: SafetensorsDtype;
  /** Shape as stored. */
  shape: readonly number[];
  /** `float32` for F64/F32/F16/BF16, `int32` for the integer types and BOOL. */
  dtype: 'float32' | 'int32';
  /** The values, row-major. */
  values: Float32Array | Int32Array;
}

/** Bytes per element of each dtype. */
export const safetensorsItemSizes: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Decodes one validated entry of the data section: floats to float32, integers and BOOL to int32. */
export function decodeSafetensorsEntry(
  entry: SafetensorsEntry,
  data: DataView,
  file: string,
): SafetensorsTensor {
  const [begin, end] = entry.dataOffsets;
  const count = (end - begin) / safetensorsItemSizes[entry.dtype];
  const base = { name: entry.name, storedDtype: entry.dtype, shape: entry.shape };
  switch (entry.dtype) {
    case 'F32':
      return { ...base, dtype: 'float32', values: readFloat32(data, begin, count) };
    case 'F64': {
      const values = new Float32Array(count);
      for (let index = 0; index < count; index++)
        values[index] = data.getFloat64(begin + index * 8, true);
      return { ...base, dtype: 'float32', values };
    }
    case 'F16': {
      const table = halfToFloatTable();
      const values = new Float32Array(count);
      for (let index = 0; index < count; index++)
        values[index] = table[data.getUint16(begin + index * 2, true)] as number;
      return { ...base, dtype: 'float32', values };
    }
    case 'BF16': {
      // bfloat16 is the upper half of a float32: shift the bits into place.
      const bits = new Uint32Array(count);
      for (let index = 0; index < count; index++)
        bits[index] = data.getUint16(begin + index * 2, true) << 16;
      return { ...base, dtype: 'float32', values: new Float32Array(bits.buffer) };
    }
    case 'I64': {
      const values = new Int32Array(count);
      for (let index = 0; index < count; index++) {
        const value = data.getBigInt64(begin + index * 8, true);
        if (value > 2147483647n || value < -2147483648n) {
          throw new FileFormatError({
            file,
            problem: `tensor ${JSON.stringify(entry.name)}: I64 value ${value} does not fit in int32`,
          });
        }
        values[index] = Number(value);
      }
      return { ...base, dtype: 'int32', values };
    }
    case 'I32': {
      const values = new Int32Array(count);
      for (let index = 0; index < count; index++)
        values[index] = data.getInt32(begin + index * 4, true);
      return { ...base, dtype: 'int32', values };
    }
    case 'I16': {
      const values = new Int32Array(count);
      for (let index = 0; index < count; index++)
        values[index] = data.getInt16(begin + index * 2, true);
      return { ...base, dtype: 'int32', values };
    }
    case 'I8': {
      const values = new Int32Array(count);
      for (let index = 0; index < count; index++) values[index] = data.getInt8(begin + index);
      return { ...base, dtype: 'int32', values };
    }
    case 'U8':
    case 'BOOL': {
      const values = new Int32Array(count);
      for (let index = 0; index < count; index++) values[index] = data.getUint8(begin + index);
      return { ...base, dtype: 'int32', values };
    }
  }
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readFloat32(data: DataView, begin: number, count: number): Float32Array {
  // Copy into a fresh aligned buffer (the data section need not be 4-byte aligned).
  if (littleEndianHost) {
    const copy = new Uint8Array(count * 4);
    copy.set(new Uint8Array(data.buffer, data.byteOffset + begin, count * 4));
    return new Float32Array(copy.buffer);
  }
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++)
    values[index] = data.getFloat32(begin + index * 4, true);
  return values;
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern → float32 value, for all 65536 patterns (built once, 256 KiB). */
function halfToFloatTable(): Float32Array {
  if (halfTable !== undefined) return halfTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const fraction = bits & 0x3ff;
    if (exponent === 0) table[bits] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 0x1f) table[bits] = fraction === 0 ? sign * Infinity : Number.NaN;
    else table[bits] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  halfTable = table;
  return table;
}
