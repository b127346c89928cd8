import { availableParallelism } from 'node:os';
import { GraftError } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { convertToOnnx } from '../convert-to-onnx.js';
import { inferenceSessionOptions } from './inference-session-options.js';
import { loadOnnxRuntime, type ModuleImporter } from './load-onnx-runtime.js';

/** Options of {@link createOnnxModelRunner}. */
export interface OnnxModelRunnerOptions {
  /** A frozen tfjs model with one NHWC input and one output (e.g. a backbone's frozen prefix). */
  model: tfl.LayersModel;
  /** Threads of one inference (ONNX Runtime's intra-op pool). Default: the number of CPUs. */
  intraOpNumThreads?: number;
  /** Whether idle intra-op threads spin (ONNX Runtime's default) instead of sleeping. Default false. */
  allowSpinning?: boolean;
  /** Imports onnxruntime-node (tests pass a failing importer). Default: `import()`. */
  importer?: ModuleImporter;
}

/** A tfjs model converted to ONNX and run by onnxruntime-node on float32 batches. */
export interface OnnxModelRunner {
  /** ONNX Runtime's version and threads, for logs. */
  readonly detail: string;
  /** The model's output for `pixels` of `shape`, row-major; the caller owns the array. */
  run(pixels: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Releases the session. Idempotent; later `run` calls reject. */
  close(): Promise<void>;
}

/**
 * Converts `model` with the same converter as the feature engine and opens an ONNX Runtime
 * session on it (CPU provider, all graph optimizations, so BatchNorm folds into the
 * convolutions). For frozen sub-networks the trainer would otherwise run on single-threaded
 * wasm, e.g. the frozen prefix of fine-tuning's activation cache. Rejects with a
 * `BACKEND_UNAVAILABLE` GraftError when onnxruntime-node is missing, and with the converter's
 * error when the model has a layer without an ONNX conversion.
 */
export async function createOnnxModelRunner(
  options: OnnxModelRunnerOptions,
): Promise<OnnxModelRunner> {
  const runtime = await loadOnnxRuntime(options.importer);
  const threads = options.intraOpNumThreads ?? availableParallelism();
  const graph = convertToOnnx({ model: options.model });
  const session = await runtime.InferenceSession.create(
    graph,
    inferenceSessionOptions({
      intraOpNumThreads: threads,
      allowSpinning: options.allowSpinning === true,
    }),
  );
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const version = runtime.env.versions?.node ?? runtime.env.versions?.common ?? 'unknown';
  let closed = false;
  return {
    detail: `onnxruntime-node ${version}, cpu provider, ${threads} thread${threads === 1 ? '' : 's'}`,
    async run(pixels, shape) {
      if (closed) throw new Error('The ONNX Runtime model runner is closed.');
      const outputs = await session.run({
        [inputName]: new runtime.Tensor('float32', pixels, [...shape]),
      });
      const output = outputs[outputName];
      if (output?.type !== 'float32') {
        throw new GraftError({
          code: 'INTERNAL',
          message: `The ONNX graph of ${options.model.name} returned no float32 output '${outputName}'.`,
        });
      }
      const values = output.data as Float32Array;
      // The caller keeps the rows: hand over an array of its own.
      return values.slice();
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
