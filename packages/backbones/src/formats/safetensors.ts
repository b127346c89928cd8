import { FileFormatError } from '@graft/core';
import {
  decodeSafetensorsEntry,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsTensor,
  safetensorsItemSizes,
} from './safetensors-tensor.js';

export type {
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsTensor,
} from './safetensors-tensor.js';

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
      return decodeSafetensorsEntry(
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
