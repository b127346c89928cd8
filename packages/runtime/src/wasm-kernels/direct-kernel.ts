import { InvalidArgumentError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` a direct kernel uses (tfjs 4.22). */
interface WasmBackendMemory {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/** The part of tfjs-backend-cpu's `MathBackendCPU` a direct kernel uses (tfjs 4.22). */
interface CpuBackendMemory {
  data: { get(dataId: tf.DataId): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function isWasm(backend: unknown): backend is WasmBackendMemory {
  const candidate = backend as Partial<WasmBackendMemory>;
  return (
    typeof candidate.makeOutput === 'function' && typeof candidate.typedArrayFromHeap === 'function'
  );
}

function isCpu(backend: unknown): backend is CpuBackendMemory {
  const candidate = backend as Partial<CpuBackendMemory>;
  return typeof candidate.makeTensorInfo === 'function' && candidate.data !== undefined;
}

/**
 * Runs `compute` on Float32Array views of the inputs' and new outputs' memory on the wasm or cpu
 * backend, so a kernel is one loop over memory instead of a chain of ops. On wasm the outputs
 * are allocated first: an allocation can grow the heap and detach earlier views. Output
 * memory is not zeroed. Returns the outputs (owned by the caller, like any kernel output).
 */
export function runDirectKernel(options: {
  /** The kernel's name, for errors. */
  kernelName: string;
  /** The backend the kernel runs on (the `backend` of the kernel function's arguments). */
  backend: unknown;
  /** The inputs, all float32. */
  inputs: tf.TensorInfo[];
  /** The shapes of the float32 outputs. */
  outputShapes: number[][];
  /** Fills the outputs from the inputs. */
  compute: (inputs: Float32Array[], outputs: Float32Array[]) => void;
}): tf.TensorInfo[] {
  const { kernelName, backend, inputs, outputShapes, compute } = options;
  for (const input of inputs) {
    if (input.dtype !== 'float32') {
      throw new InvalidArgumentError({
        argument: `${kernelName} input dtype`,
        value: input.dtype,
        expected: 'must be float32 (the direct kernels cover float32 only)',
      });
    }
  }
  if (isWasm(backend)) {
    const outputs = outputShapes.map((shape) => backend.makeOutput(shape, 'float32'));
    compute(
      inputs.map((input) => backend.typedArrayFromHeap(input)),
      outputs.map((output) => backend.typedArrayFromHeap(output)),
    );
    return outputs;
  }
  if (isCpu(backend)) {
    const outputs = outputShapes.map(
      (shape) => new Float32Array(shape.reduce((size, length) => size * length, 1)),
    );
    compute(
      inputs.map((input) => backend.data.get(input.dataId).values as Float32Array),
      outputs,
    );
    return outputs.map((values, index) =>
      backend.makeTensorInfo(outputShapes[index] as number[], 'float32', values),
    );
  }
  throw new InvalidArgumentError({
    argument: `${kernelName} backend`,
    value: (backend as object)?.constructor?.name,
    expected: 'must be the wasm or cpu backend',
  });
}
