import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use (tfjs 4.22). */
interface WasmBackendViews {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: tf.DataId): void;
}

/**
 * `Identity` on wasm without a copy: the output shares the input's memory (reference counted),
 * as on the cpu backend. tfjs-core clones every tensor it saves for the backward pass through
 * `Identity` (~6,000 calls per MobileNetV2 step), and tfjs 4.22's wasm kernel copies each.
 */
export function sharedIdentity(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as WasmBackendViews).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * `Slice` on wasm reading the input in place on the heap. tfjs 4.22's wasm kernel first copies
 * the whole input out of the heap (`readSync`) on every call, then the slice back in. A slice
 * of the whole tensor shares memory like `Identity`. Not for strings.
 */
export function heapSlice(options: {
  /** The input. */
  x: tf.TensorInfo;
  /** The kernel's `begin` attribute. */
  begin: number | number[];
  /** The kernel's `size` attribute. */
  size: number | number[];
  /** The wasm backend. */
  backend: unknown;
}): tf.TensorInfo {
  const { x } = options;
  const backend = options.backend as WasmBackendViews;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.TensorInfo as tf.Tensor,
    options.begin,
    options.size,
  ) as [number[], number[]];
  if (
    begin.every((start) => start === 0) &&
    size.every((length, axis) => length === x.shape[axis])
  ) {
    return sharedIdentity(x, backend);
  }
  const out = backend.makeOutput(size, x.dtype);
  // Views after the allocation: it can grow the heap and detach earlier ones.
  const input = backend.typedArrayFromHeap(x);
  const output = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    output.set(input.subarray(offset, offset + output.length));
    return out;
  }
  // Copy runs of the innermost axis, walking the outer indices like an odometer.
  const rank = x.shape.length;
  const run = size[rank - 1] as number;
  const runs = output.length / run;
  const index = new Array<number>(rank - 1).fill(0);
  for (let written = 0; written < runs; written++) {
    let offset = begin[rank - 1] as number;
    for (let axis = 0; axis < rank - 1; axis++) {
      offset += ((begin[axis] as number) + (index[axis] as number)) * (strides[axis] as number);
    }
    output.set(input.subarray(offset, offset + run), written * run);
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis] = (index[axis] as number) + 1;
      if ((index[axis] as number) < (size[axis] as number)) break;
      index[axis] = 0;
    }
  }
  return out;
}
