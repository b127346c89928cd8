import { FileFormatError } from '@graft/core';
import { parseSafetensors, type SafetensorsFile } from './safetensors.js';
import { safetensorsItemSizes } from './safetensors-tensor.js';
import { readStoredZip } from './stored-zip.js';
import { isTensor, type TensorReference, unpickleStateDict } from './torch-pickle.js';

/** Options of {@link parsePyTorchCheckpoint}. */
export interface ParsePyTorchCheckpointOptions {
  /** The whole `.pth`/`.pt` file (PyTorch ≥ 1.6 zip serialisation). */
  bytes: ArrayBuffer | Uint8Array;
  /** Name used in error messages. Default `checkpoint`. */
  file?: string;
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
  const entries = readStoredZip(bytes, fail);
  const pickleName = [...entries.keys()].find((name) => /(^|\/)data\.pkl$/.test(name));
  if (pickleName === undefined) fail('is a zip archive without data.pkl (not a torch.save file)');
  const prefix = (pickleName as string).slice(0, -'data.pkl'.length);
  const root = unpickleStateDict(entries.get(pickleName as string) as Uint8Array, fail);
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
