import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { Dataset, Group, File as H5File, type Module, ready } from 'h5wasm';
import { hdf5SignatureOffset } from './detect-weight-format.js';

/** Weights read from a legacy Keras HDF5 weights file (`model.save_weights` / keras-applications). */
export interface KerasH5Weights {
  /** Layer names in the file's `layer_names` order (layers without weights included). */
  layerNames: string[];
  /**
   * Tensors keyed by `<layer>/<weight>` without the `:0` suffix (e.g. `Conv1/kernel`), the
   * names tfjs-layers gives its variables. In each layer's `weight_names` order. The caller
   * disposes them.
   */
  tensors: Map<string, tf.Tensor>;
}

/** Options of {@link readKerasH5Weights}. */
export interface ReadKerasH5WeightsOptions {
  /** The file's bytes. */
  data: ArrayBuffer | Uint8Array;
  /** The file's name or path, for error messages. */
  file: string;
}

/** h5wasm's Emscripten module, whose calls take a file id and an object path. */
type H5Module = typeof Module;

let sequence = 0;

/**
 * Reads a Keras HDF5 weights file (root attribute `layer_names`, per-layer `weight_names`,
 * datasets at `<layer>/<weight_name>`; a full-model file's `model_weights` group also works)
 * with h5wasm, the HDF5 C library compiled to WebAssembly. Works in browsers and Node: the bytes
 * go to h5wasm's in-memory file system, never to disk. Throws a {@link FileFormatError} for a
 * file that is not HDF5, is truncated, or lacks the Keras attributes or a listed dataset; no
 * tensor is returned (or leaked) then.
 */
export async function readKerasH5Weights(
  options: ReadKerasH5WeightsOptions,
): Promise<KerasH5Weights> {
  const module = await ready;
  const { FS } = module;
  const bytes = options.data instanceof Uint8Array ? options.data : new Uint8Array(options.data);
  const signatureOffset = hdf5SignatureOffset(bytes);
  if (signatureOffset === undefined) {
    throw new FileFormatError({
      file: options.file,
      problem: `not an HDF5 file (no HDF5 signature in the first bytes, ${bytes.byteLength} bytes)`,
    });
  }
  // Checked here because HDF5 reports a truncated file only on stderr, then fails later.
  const declaredLength = hdf5DeclaredLength(bytes, signatureOffset);
  if (declaredLength !== undefined && declaredLength > bytes.byteLength) {
    throw new FileFormatError({
      file: options.file,
      problem: `truncated: ${bytes.byteLength} of ${declaredLength} bytes (per its HDF5 superblock)`,
    });
  }
  const memoryPath = `/graft-keras-weights-${++sequence}.h5`;
  FS.writeFile(memoryPath, bytes);
  const tensors = new Map<string, tf.Tensor>();
  let file: H5File | undefined;
  try {
    try {
      file = new H5File(memoryPath, 'r');
    } catch (error) {
      throw new FileFormatError({
        file: options.file,
        problem: 'HDF5 could not open it (truncated or corrupt)',
        cause: error,
      });
    }
    const root = rootGroupOf(file);
    const layerNames = stringList(root.attrs.layer_names?.value);
    if (layerNames === undefined || layerNames.length === 0) {
      throw new FileFormatError({
        file: options.file,
        problem: 'no `layer_names` attribute: not a Keras weights file',
      });
    }
    // One listing of every object under the root instead of a type lookup (an HDF5 path walk)
    // per dataset: the walks were a quarter of the read.
    const members = new Set(module.get_names(file.file_id, root.path, true));
    for (const layerName of layerNames) {
      const group = root.get(layerName);
      if (!(group instanceof Group)) {
        throw new FileFormatError({
          file: options.file,
          problem: `layer ${JSON.stringify(layerName)} is listed in layer_names but has no group`,
        });
      }
      for (const weightName of weightNamesOf(module, group) ?? []) {
        const dataset = members.has(`${layerName}/${weightName}`)
          ? datasetAt(group, weightName)
          : undefined;
        if (dataset === undefined) {
          throw new FileFormatError({
            file: options.file,
            problem: `dataset ${layerName}/${weightName} is listed in weight_names but missing`,
          });
        }
        tensors.set(weightName.replace(/:\d+$/, ''), datasetToTensor(dataset, options.file));
      }
    }
    return { layerNames, tensors };
  } catch (error) {
    tf.dispose([...tensors.values()]);
    if (FileFormatError.isInstance(error)) throw error;
    throw new FileFormatError({
      file: options.file,
      problem: `reading HDF5 failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  } finally {
    file?.close();
    FS.unlink(memoryPath);
  }
}

/**
 * The file length the HDF5 superblock declares (base address + end-of-file address), or
 * `undefined` when the superblock is not one this check knows (versions 0–3, 8-byte offsets).
 */
function hdf5DeclaredLength(bytes: Uint8Array, offset: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[offset + 8];
  let sizeOfOffsets: number | undefined;
  let baseAddressAt: number;
  if (version === 0 || version === 1) {
    sizeOfOffsets = bytes[offset + 13];
    baseAddressAt = offset + (version === 0 ? 24 : 28);
  } else if (version === 2 || version === 3) {
    sizeOfOffsets = bytes[offset + 9];
    baseAddressAt = offset + 12;
  } else {
    return undefined;
  }
  const endOfFileAt = baseAddressAt + 2 * 8;
  if (sizeOfOffsets !== 8 || endOfFileAt + 8 > bytes.byteLength) return undefined;
  const base = view.getBigUint64(baseAddressAt, true);
  const endOfFile = view.getBigUint64(endOfFileAt, true);
  return Number(base + endOfFile);
}

function rootGroupOf(file: H5File): Group {
  if (file.attrs.layer_names === undefined) {
    const modelWeights = file.get('model_weights');
    if (modelWeights instanceof Group) return modelWeights;
  }
  return file;
}

/**
 * A layer group's `weight_names`, read straight (h5wasm's `attrs` builds an accessor per
 * attribute and reads each one's metadata twice); `undefined` when the group has none.
 */
function weightNamesOf(module: H5Module, group: Group): string[] | undefined {
  const names = module.get_attribute_names(group.file_id, group.path);
  if (!names.includes('weight_names')) return undefined;
  return stringList(group.get_attribute('weight_names', false));
}

/**
 * The dataset at `name` under `group` (a name the file's listing holds), made without h5wasm's
 * per-object type lookup; `undefined` when that object is not a dataset (HDF5 then prints its
 * error stack on stderr: only a corrupt file gets there). Its metadata is read here, once:
 * h5wasm keeps it for `shape`, `dtype` and `value`.
 */
function datasetAt(group: Group, name: string): Dataset | undefined {
  const dataset = new Dataset(group.file_id, `${group.path}/${name}`);
  try {
    if (dataset.metadata === undefined) return undefined;
  } catch {
    return undefined;
  }
  return dataset;
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  // An empty list is stored as an empty float array.
  if (ArrayBuffer.isView(value)) return [];
  return undefined;
}

function datasetToTensor(dataset: Dataset, file: string): tf.Tensor {
  const shape = dataset.shape ?? [];
  const value = dataset.value;
  let values: Float32Array;
  if (value instanceof Float32Array) values = value;
  else if (value instanceof Float64Array) values = Float32Array.from(value);
  else {
    throw new FileFormatError({
      file,
      problem: `dataset ${dataset.path} has unsupported dtype ${JSON.stringify(dataset.dtype)} (expected float32 or float64)`,
    });
  }
  const expected = shape.reduce((product, size) => product * size, 1);
  if (values.length !== expected) {
    throw new FileFormatError({
      file,
      problem: `dataset ${dataset.path} holds ${values.length} values for shape [${shape.join(', ')}]`,
    });
  }
  return tf.tensor(values, shape, 'float32');
}
