import { FileFormatError } from '@graft/core';

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

/** A parsed safetensors file; tensors are decoded on demand by {@link SafetensorsFile.read}. */
export interface SafetensorsFile {
  /** The file name or path, as used in error messages. */
  readonly file: string;
  /** The `__metadata__` string map (e.g. `{ format: 'pt' }`), empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor entry, in header order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** Decodes one tensor; throws a {@link FileFormatError} naming the file when it is absent. */
  read(name: string): SafetensorsTensor;
}

/** Options of {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** The file's bytes (the whole file). */
  bytes: ArrayBuffer | Uint8Array;
  /** Name or path of the file, used in error messages. Default `safetensors`. */
  file?: string;
}

/** Bytes per element of each dtype. */
export const safetensorsItemSizes: Readonly<Record<SafetensorsDtype, number>> = {
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

/** The reference implementation refuses headers above 100 MB (denial-of-service guard). */
const maximumHeaderBytes = 100_000_000;

/**
 * Parses a safetensors file held in memory (browser-safe: no Node APIs). The header is validated
 * completely up front: dtypes, shapes, byte ranges inside the file and consistent with the
 * shapes, no overlaps. Any problem throws a {@link FileFormatError} naming the file, so a caller
 * never gets a half-usable file. Tensor data are decoded lazily by `read`.
 *
 * Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: value } }`, then
 * the data section that the offsets index into.
 */
export function parseSafetensors(options: ParseSafetensorsOptions): SafetensorsFile {
  const file = options.file ?? 'safetensors';
  const bytes = options.bytes instanceof Uint8Array ? options.bytes : new Uint8Array(options.bytes);
  const fail = (problem: string, cause?: unknown): never => {
    throw new FileFormatError({ file, problem, cause });
  };

  if (bytes.byteLength < 8) {
    fail(
      `not a safetensors file: ${bytes.byteLength} bytes, shorter than the 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > maximumHeaderBytes) {
    fail(
      `header length ${headerLength} exceeds the ${maximumHeaderBytes}-byte limit (not a safetensors file?)`,
    );
  }
  if (8 + headerLength > bytes.byteLength) {
    fail(
      `truncated: the header needs ${8 + headerLength} bytes but the file has ${bytes.byteLength}`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (error) {
    fail('the header is not valid UTF-8 JSON', error);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail('the header is not a JSON object');
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('`__metadata__` must be an object of strings');
      }
      for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
        if (typeof text !== 'string') fail(`\`__metadata__.${key}\` must be a string`);
        metadata[key] = text as string;
      }
      continue;
    }
    entries.set(name, parseEntry(name, value, dataLength, fail));
  }
  checkNoOverlap([...entries.values()], fail);

  return {
    file,
    metadata,
    entries,
    read(name: string): SafetensorsTensor {
      const entry = entries.get(name);
      if (entry === undefined) {
        return fail(`no tensor named ${JSON.stringify(name)} (the file has ${entries.size})`);
      }
      return decode(
        entry,
        new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataLength),
        file,
      );
    },
  };
}

function parseEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fail: (problem: string) => never,
): SafetensorsEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`header entry ${JSON.stringify(name)} is not an object`);
  }
  const record = value as Record<string, unknown>;
  const dtype = record.dtype;
  if (typeof dtype !== 'string' || !(dtype in safetensorsItemSizes)) {
    fail(
      `tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(safetensorsItemSizes).join(', ')}`,
    );
  }
  const shape = record.shape;
  if (
    !Array.isArray(shape) ||
    !shape.every((size) => typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)
  ) {
    fail(`tensor ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(shape)}`);
  }
  const offsets = record.data_offsets;
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((offset) => typeof offset === 'number' && Number.isSafeInteger(offset))
  ) {
    fail(`tensor ${JSON.stringify(name)} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expectedBytes =
    (shape as number[]).reduce((product, size) => product * size, 1) *
    safetensorsItemSizes[dtype as SafetensorsDtype];
  if (begin < 0 || end < begin || end - begin !== expectedBytes) {
    fail(
      `tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] do not hold ${expectedBytes} bytes of ${dtype} ${JSON.stringify(shape)}`,
    );
  }
  if (end > dataLength) {
    fail(
      `truncated: tensor ${JSON.stringify(name)} ends at data byte ${end} but the data section has ${dataLength} bytes`,
    );
  }
  return {
    name,
    dtype: dtype as SafetensorsDtype,
    shape: [...(shape as number[])],
    dataOffsets: [begin, end],
  };
}

function checkNoOverlap(entries: SafetensorsEntry[], fail: (problem: string) => never): void {
  const sorted = entries
    .filter((entry) => entry.dataOffsets[1] > entry.dataOffsets[0])
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0]);
  for (let index = 1; index < sorted.length; index++) {
    const previous = sorted[index - 1] as SafetensorsEntry;
    const current = sorted[index] as SafetensorsEntry;
    if (current.dataOffsets[0] < previous.dataOffsets[1]) {
      fail(
        `tensors ${JSON.stringify(previous.name)} and ${JSON.stringify(current.name)} overlap in the data section`,
      );
    }
  }
}

function decode(entry: SafetensorsEntry, data: DataView, file: string): SafetensorsTensor {
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
