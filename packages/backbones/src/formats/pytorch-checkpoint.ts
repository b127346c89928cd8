import { FileFormatError } from '@graft/core';
import { parseSafetensors, type SafetensorsDtype, type SafetensorsFile } from './safetensors.js';
import { safetensorsItemSizes } from './safetensors-tensor.js';

/** Options of {@link parsePyTorchCheckpoint}. */
export interface ParsePyTorchCheckpointOptions {
  /** The whole `.pth`/`.pt` file (PyTorch ≥ 1.6 zip serialisation). */
  bytes: ArrayBuffer | Uint8Array;
  /** Name used in error messages. Default `checkpoint`. */
  file?: string;
}

/** Storage classes of `torch.save` and the safetensors dtype of their elements. */
const storageTypes: Record<string, SafetensorsDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

interface StorageReference {
  kind: 'storage';
  dtype: SafetensorsDtype;
  key: string;
}
interface TensorReference {
  kind: 'tensor';
  storage: StorageReference;
  offset: number;
  shape: number[];
  stride: number[];
}
interface GlobalReference {
  kind: 'global';
  name: string;
}

/**
 * Reads a PyTorch state dict saved with `torch.save` (the zip format every torchvision `.pth`
 * since PyTorch 1.6 uses) without Python: the zip's stored entries, a pickle interpreter limited
 * to what `torch.save(state_dict)` writes (dicts, tuples, ints, strings, `OrderedDict`,
 * `_rebuild_tensor_v2`/`_rebuild_parameter`, storages as persistent ids), then each tensor's
 * strided view of its storage. Nothing in the pickle is executed: any other global is refused.
 * Returns the same reader a safetensors file gives (key names unchanged).
 */
export function parsePyTorchCheckpoint(options: ParsePyTorchCheckpointOptions): SafetensorsFile {
  const file = options.file ?? 'checkpoint';
  const bytes = options.bytes instanceof Uint8Array ? options.bytes : new Uint8Array(options.bytes);
  const fail = (problem: string): never => {
    throw new FileFormatError({ file, problem });
  };
  if (bytes[0] === 0x80) {
    fail(
      'is a legacy (pre-1.6, non-zip) PyTorch file; re-save it with torch.save(state_dict, path) from PyTorch ≥ 1.6, or convert it to safetensors',
    );
  }
  const entries = readZip(bytes, fail);
  const pickleName = [...entries.keys()].find((name) => /(^|\/)data\.pkl$/.test(name));
  if (pickleName === undefined) fail('is a zip archive without data.pkl (not a torch.save file)');
  const prefix = (pickleName as string).slice(0, -'data.pkl'.length);
  const root = unpickle(entries.get(pickleName as string) as Uint8Array, fail);
  const stateDict = root instanceof Map ? root : undefined;
  if (stateDict === undefined) fail('does not hold a state dict (a mapping of names to tensors)');

  // Re-lay every tensor contiguously and read them through the safetensors decoder.
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, value] of stateDict as Map<unknown, unknown>) {
    if (typeof key !== 'string' || !isTensor(value)) continue;
    const storage = entries.get(`${prefix}data/${value.storage.key}`);
    if (storage === undefined) fail(`tensor ${key}: storage ${value.storage.key} is missing`);
    const chunk = gather(value, storage as Uint8Array, () =>
      fail(`tensor ${key}: its view reaches past the end of storage ${value.storage.key}`),
    );
    header[key] = {
      dtype: value.storage.dtype,
      shape: value.shape,
      data_offsets: [offset, offset + chunk.byteLength],
    };
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  const laid = new Uint8Array(8 + padded + offset);
  new DataView(laid.buffer).setBigUint64(0, BigInt(padded), true);
  laid.fill(0x20, 8, 8 + padded);
  laid.set(json, 8);
  let position = 8 + padded;
  for (const chunk of chunks) {
    laid.set(chunk, position);
    position += chunk.byteLength;
  }
  return parseSafetensors({ bytes: laid, file });
}

function isTensor(value: unknown): value is TensorReference {
  return (value as TensorReference | undefined)?.kind === 'tensor';
}

/** The tensor's elements in row-major order, as bytes of its storage's dtype. */
function gather(tensor: TensorReference, storage: Uint8Array, outOfRange: () => never): Uint8Array {
  const size = safetensorsItemSizes[tensor.storage.dtype];
  const count = tensor.shape.reduce((product, length) => product * length, 1);
  let contiguous = true;
  let expected = 1;
  for (let axis = tensor.shape.length - 1; axis >= 0; axis--) {
    if ((tensor.shape[axis] as number) !== 1 && tensor.stride[axis] !== expected)
      contiguous = false;
    expected *= tensor.shape[axis] as number;
  }
  if (contiguous) {
    const begin = tensor.offset * size;
    if (begin + count * size > storage.byteLength) outOfRange();
    return storage.slice(begin, begin + count * size);
  }
  const output = new Uint8Array(count * size);
  const index = new Array<number>(tensor.shape.length).fill(0);
  for (let element = 0; element < count; element++) {
    let source = tensor.offset;
    for (let axis = 0; axis < index.length; axis++)
      source += (index[axis] as number) * (tensor.stride[axis] as number);
    if ((source + 1) * size > storage.byteLength) outOfRange();
    output.set(storage.subarray(source * size, (source + 1) * size), element * size);
    for (let axis = index.length - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1;
      if ((index[axis] as number) < (tensor.shape[axis] as number)) break;
      index[axis] = 0;
    }
  }
  return output;
}

/** The stored (uncompressed) entries of a zip archive, by name. */
function readZip(bytes: Uint8Array, fail: (problem: string) => never): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (
    let position = bytes.byteLength - 22;
    position >= Math.max(0, bytes.byteLength - 65_557);
    position--
  ) {
    if (view.getUint32(position, true) === 0x06054b50) {
      end = position;
      break;
    }
  }
  if (end < 0) fail('is not a complete zip archive (no end-of-central-directory record)');
  let entryCount = view.getUint16(end + 10, true);
  let directory = view.getUint32(end + 16, true);
  if (directory === 0xffffffff || entryCount === 0xffff) {
    // Zip64: the locator sits right before the end record.
    const record = Number(view.getBigUint64(end - 20 + 8, true));
    entryCount = Number(view.getBigUint64(record + 32, true));
    directory = Number(view.getBigUint64(record + 48, true));
  }
  const decoder = new TextDecoder();
  const entries = new Map<string, Uint8Array>();
  let position = directory;
  for (let entry = 0; entry < entryCount; entry++) {
    if (view.getUint32(position, true) !== 0x02014b50) fail('has a damaged zip central directory');
    const method = view.getUint16(position + 10, true);
    let size = view.getUint32(position + 20, true);
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    let local = view.getUint32(position + 42, true);
    const name = decoder.decode(bytes.subarray(position + 46, position + 46 + nameLength));
    // Zip64 extra field (id 1): 64-bit sizes/offset for the fields set to 0xffffffff.
    let extra = position + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === 1) {
        let field = extra + 4;
        if (view.getUint32(position + 24, true) === 0xffffffff) field += 8;
        if (size === 0xffffffff) {
          size = Number(view.getBigUint64(field, true));
          field += 8;
        }
        if (local === 0xffffffff) local = Number(view.getBigUint64(field, true));
      }
      extra += 4 + length;
    }
    if (method !== 0)
      fail(
        `zip entry ${name} is compressed (method ${method}); torch.save stores entries uncompressed`,
      );
    const dataStart =
      local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + size > bytes.byteLength) fail(`zip entry ${name} is truncated`);
    entries.set(name, bytes.subarray(dataStart, dataStart + size));
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const mark = Symbol('mark');

/** A pickle interpreter for what `torch.save(state_dict)` writes; refuses anything else. */
function unpickle(data: Uint8Array, fail: (problem: string) => never): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let position = 0;
  const popMark = (): unknown[] => {
    const index = stack.lastIndexOf(mark);
    if (index < 0) fail('has a malformed pickle (no mark)');
    const items = stack.splice(index + 1);
    stack.pop();
    return items;
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, position);
    const text = decoder.decode(data.subarray(position, end));
    position = end + 1;
    return text;
  };
  const text = (length: number): string => {
    const value = decoder.decode(data.subarray(position, position + length));
    position += length;
    return value;
  };
  const call = (callable: unknown, args: unknown): unknown => {
    const name =
      (callable as GlobalReference | undefined)?.kind === 'global'
        ? (callable as GlobalReference).name
        : '?';
    const list = args as unknown[];
    switch (name) {
      case 'collections.OrderedDict':
        return new Map();
      case 'torch._utils._rebuild_tensor_v2':
        return {
          kind: 'tensor',
          storage: list[0] as StorageReference,
          offset: list[1] as number,
          shape: [...(list[2] as number[])],
          stride: [...(list[3] as number[])],
        } satisfies TensorReference;
      case 'torch._utils._rebuild_parameter':
        return list[0];
      default:
        return fail(`has a pickle calling ${name}, which a state dict does not need (refused)`);
    }
  };
  while (position < data.byteLength) {
    const opcode = data[position++] as number;
    switch (opcode) {
      case 0x80: // PROTO
        position += 1;
        break;
      case 0x95: // FRAME
        position += 8;
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(mark);
        break;
      case 0x71: // BINPUT
        memo.set(data[position++] as number, stack.at(-1));
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(position, true), stack.at(-1));
        position += 4;
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, stack.at(-1));
        break;
      case 0x68: // BINGET
        stack.push(memo.get(data[position++] as number));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(view.getUint32(position, true)));
        position += 4;
        break;
      case 0x58: // BINUNICODE
        position += 4;
        stack.push(text(view.getUint32(position - 4, true)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        position += 1;
        stack.push(text(data[position - 1] as number));
        break;
      case 0x55: // SHORT_BINSTRING
        position += 1;
        stack.push(text(data[position - 1] as number));
        break;
      case 0x4b: // BININT1
        stack.push(data[position++]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(position, true));
        position += 2;
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(position, true));
        position += 4;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes.
        const length = data[position++] as number;
        let value = 0n;
        for (let index = length - 1; index >= 0; index--)
          value = (value << 8n) | BigInt(data[position + index] as number);
        if (length > 0 && ((data[position + length - 1] as number) & 0x80) !== 0)
          value -= 1n << BigInt(8 * length);
        position += length;
        stack.push(Number(value));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(view.getFloat64(position, false));
        position += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x74: // TUPLE
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push(stack.splice(-1));
        break;
      case 0x86: // TUPLE2
        stack.push(stack.splice(-2));
        break;
      case 0x87: // TUPLE3
        stack.push(stack.splice(-3));
        break;
      case 0x63: {
        // GLOBAL: only remembered by name; `call` decides what it may do.
        const module = line();
        stack.push({ kind: 'global', name: `${module}.${line()}` } satisfies GlobalReference);
        break;
      }
      case 0x51: {
        // BINPERSID: ('storage', <storage class>, key, location, numel).
        const id = stack.pop() as unknown[];
        const type = (id?.[1] as GlobalReference | undefined)?.name.split('.').at(-1) ?? '';
        const dtype = storageTypes[type];
        if (id?.[0] !== 'storage' || dtype === undefined)
          fail(`has an unsupported persistent id (storage ${type})`);
        stack.push({ kind: 'storage', dtype, key: String(id[2]) } as StorageReference);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = stack.pop();
        stack.push(call(stack.pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = stack.pop();
        stack.push(call(stack.pop(), args));
        break;
      }
      case 0x62: // BUILD: state of an OrderedDict (its `_metadata`) is not needed.
        stack.pop();
        break;
      case 0x73: {
        // SETITEM
        const value = stack.pop();
        const key = stack.pop();
        (stack.at(-1) as Map<unknown, unknown>).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const target = stack.at(-1) as Map<unknown, unknown>;
        for (let index = 0; index + 1 < items.length; index += 2)
          target.set(items[index], items[index + 1]);
        break;
      }
      case 0x61: // APPEND
        (stack.at(-2) as unknown[]).push(stack.pop());
        break;
      case 0x65: {
        // APPENDS
        const items = popMark();
        (stack.at(-1) as unknown[]).push(...items);
        break;
      }
      case 0x2e: // STOP
        return stack.pop();
      default:
        fail(`has a pickle opcode 0x${opcode.toString(16)} that a state dict does not use`);
    }
  }
  return fail('has a pickle without STOP (truncated?)');
}
