import type { SafetensorsDtype } from './safetensors.js';

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

/** A storage named by a persistent id: its dtype and its entry under `data/`. */
export interface StorageReference {
  kind: 'storage';
  dtype: SafetensorsDtype;
  key: string;
}
/** `_rebuild_tensor_v2`'s arguments: a strided view (offset, shape, stride in elements) of a storage. */
export interface TensorReference {
  kind: 'tensor';
  storage: StorageReference;
  offset: number;
  shape: number[];
  stride: number[];
}
/** A pickle global, kept by its dotted name only. */
export interface GlobalReference {
  kind: 'global';
  name: string;
}

/** Whether an unpickled value is a tensor (a strided view of a storage). */
export function isTensor(value: unknown): value is TensorReference {
  return (value as TensorReference | undefined)?.kind === 'tensor';
}

// The pickle MARK on the stack.
const mark = Symbol('mark');

/** A pickle interpreter for what `torch.save(state_dict)` writes; refuses anything else. */
export function unpickleStateDict(data: Uint8Array, fail: (problem: string) => never): unknown {
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
