import { GraftError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Options of {@link compareWithOnnxRuntime}. */
export interface CompareWithOnnxRuntimeOptions {
  /** The tfjs model, run in inference mode (`predict`). */
  model: tfl.LayersModel;
  /** The ONNX model (e.g. `convertToOnnx({ model })`), run by onnxruntime-node on CPU. */
  bytes: Uint8Array;
  /** One input batch; not disposed. */
  input: tf.Tensor;
}

/** How far the ONNX model's first output is from tfjs's (see {@link compareWithOnnxRuntime}). */
export interface OnnxAgreement {
  /** Largest |onnx − tfjs| (`NaN` when either side has a NaN). */
  maxAbsolute: number;
  /** Largest |tfjs| value, so a small difference on small outputs is seen for what it is. */
  scale: number;
  /** Output shape from ONNX Runtime. */
  onnxShape: number[];
  /** Output shape from tfjs. */
  tfjsShape: number[];
}

interface OnnxRuntimeModule {
  InferenceSession: {
    create(bytes: Uint8Array): Promise<{
      inputNames: readonly string[];
      outputNames: readonly string[];
      run(
        feeds: Record<string, unknown>,
      ): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
      release(): Promise<void>;
    }>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

// A variable specifier keeps bundlers from resolving the optional native package.
const onnxRuntimePackage = 'onnxruntime-node';

/**
 * Testing helper: runs `model` with tfjs and `bytes` with onnxruntime-node on the same input and
 * measures the difference of the first outputs. onnxruntime-node is imported on first use (it is
 * not a dependency of this package); a missing install throws a `GraftError` saying how to add it.
 */
export async function compareWithOnnxRuntime(
  options: CompareWithOnnxRuntimeOptions,
): Promise<OnnxAgreement> {
  const { model, bytes, input } = options;
  const runtime = await importOnnxRuntime();
  const expected = tf.tidy(() => {
    const output = model.predict(input) as tf.Tensor | tf.Tensor[];
    const first = Array.isArray(output) ? output[0] : output;
    if (first === undefined) throw new Error(`${model.name} has no output`);
    return { values: first.dataSync() as Float32Array, shape: first.shape };
  });
  const session = await runtime.InferenceSession.create(bytes);
  let actual: { data: unknown; dims: readonly number[] } | undefined;
  try {
    const feeds = {
      [session.inputNames[0] as string]: new runtime.Tensor(
        'float32',
        Float32Array.from(input.dataSync() as Float32Array),
        input.shape,
      ),
    };
    actual = (await session.run(feeds))[session.outputNames[0] as string];
  } finally {
    await session.release();
  }
  if (actual === undefined) throw new Error('ONNX Runtime returned no output');
  const data = actual.data as Float32Array;
  if (data.length !== expected.values.length) {
    throw new Error(`ONNX Runtime gave ${data.length} values, tfjs ${expected.values.length}`);
  }
  let maxAbsolute = 0;
  let scale = 0;
  for (let index = 0; index < data.length; index++) {
    const reference = expected.values[index] as number;
    const difference = Math.abs((data[index] as number) - reference);
    // `>` is false for NaN: carry NaN explicitly so a broken graph cannot look perfect.
    maxAbsolute = Number.isNaN(difference) ? Number.NaN : Math.max(maxAbsolute, difference);
    if (Number.isNaN(maxAbsolute)) break;
    scale = Math.max(scale, Math.abs(reference));
  }
  return {
    maxAbsolute,
    scale,
    onnxShape: actual.dims.map(Number),
    tfjsShape: [...expected.shape],
  };
}

async function importOnnxRuntime(): Promise<OnnxRuntimeModule> {
  try {
    const module = (await import(/* @vite-ignore */ onnxRuntimePackage)) as OnnxRuntimeModule & {
      default?: OnnxRuntimeModule;
    };
    return module.InferenceSession === undefined && module.default !== undefined
      ? module.default
      : module;
  } catch (error) {
    throw new GraftError({
      code: 'BACKEND_UNAVAILABLE',
      message:
        'compareWithOnnxRuntime needs the optional package onnxruntime-node, which did not load. ' +
        'Install it next to @graft/onnx: pnpm add -D onnxruntime-node',
      cause: error,
    });
  }
}
