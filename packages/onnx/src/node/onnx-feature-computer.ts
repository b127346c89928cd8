import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  type Backbone,
  type FeatureComputer,
  type FeatureEngine,
  GraftError,
  InvalidArgumentError,
  ownedArray,
  type PixelBatch,
  type PreprocessedBatch,
} from '@graft/core';
import { defaultCacheDir } from '@graft/core/node';
// Types only: the module itself is imported on demand by loadOnnxRuntime.
import type { InferenceSession } from 'onnxruntime-node';
import { convertToOnnx } from '../index.js';
import { inferenceSessionOptions } from './inference-session-options.js';
import { loadOnnxRuntime, type ModuleImporter, type OnnxRuntime } from './load-onnx-runtime.js';
import { normalizingRun } from './normalizing-run.js';
import { cachedOnnxGraph } from './onnx-graph-cache.js';
import {
  openSessionThread,
  type SessionThread,
  type StartedSessionThread,
} from './open-session-thread.js';
import { runFirstOutput } from './run-first-output.js';
import { runInMicroBatches } from './run-in-micro-batches.js';

/** An execution provider: a name (`cpu`, `cuda`…) or ONNX Runtime's options object for one. */
export type ExecutionProvider = string | { name: string; [option: string]: unknown };

/** Options of {@link createOnnxFeatureComputer}. */
export interface OnnxFeatureComputerOptions {
  /** The frozen backbone: its `inferenceModel()` (BatchNorm folded), else its `model`, is run. */
  backbone: Backbone;
  /**
   * `backboneCacheIdentity(backbone)` from `@graft/trainer`: names the cached graph on disk (a
   * later run with the same weights skips the conversion) and is checked by `extractFeatures`.
   * Without it the graph is converted every time and kept in memory only.
   */
  cacheIdentity?: string;
  /** Where converted graphs are cached. Default `<GRAFT_CACHE_DIR>/onnx`. */
  cacheDirectory?: string;
  /** ONNX Runtime execution providers, in order of preference. Default `['cpu']`; e.g. `['cuda', 'cpu']`. */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads of one inference (ONNX Runtime's intra-op pool). Default: the number of CPUs. */
  intraOpNumThreads?: number;
  /**
   * Batches `extractFeatures` may hand over at once. They still run one after the other (each
   * already uses every intra-op thread); the next one is decoded and normalized meanwhile.
   * Default 2.
   */
  concurrency?: number;
  /**
   * Whether ONNX Runtime's intra-op threads spin between inferences (its default) instead of
   * sleeping. Default true. Pass false when the same cores decode the next batches: spinning
   * burnt ~3 CPU-s of 18 in `graft train`'s ants/bees run that decoding could have used.
   */
  allowSpinning?: boolean;
  /**
   * Runs the session in a worker thread of its own. onnxruntime-node's `session.run` blocks the
   * calling thread for the whole inference, so in the main thread the next batches' decode and
   * resize wait for it; in a worker they overlap it. Default false.
   */
  inWorkerThread?: boolean;
  /**
   * A thread from `startSessionThread()` to open the session in (implies `inWorkerThread`),
   * started earlier so that its start overlapped the weights' load and the conversion. The
   * computer owns it from this call: it is closed when this call fails, else released by
   * `close()`.
   */
  sessionThread?: StartedSessionThread;
  /**
   * Images per ONNX Runtime inference: a batch is run this many at a time, with the same rows
   * out. Default 4: ONNX Runtime's arena holds a whole inference's activations, and 32
   * MobileNetV2 images' were ~300 MB of fresh pages per `graft train` run. 4 at a time kept its
   * peak at ~690 instead of ~980 MiB and made the ants/bees run ~6 % faster on 2 cores.
   */
  microBatch?: number;
  /** Imports onnxruntime-node (tests pass a failing importer). Default: `import()`. */
  importer?: ModuleImporter;
}

/** A {@link FeatureComputer} running a backbone's converted graph in ONNX Runtime. */
export interface OnnxFeatureComputer extends FeatureComputer {
  /** Features of RGB bytes, normalized for the backbone by the session's thread. */
  computePixelFeatures: NonNullable<FeatureComputer['computePixelFeatures']>;
  /** Always `onnxruntime`, with providers, threads and version in the detail. */
  readonly engine: FeatureEngine;
  /** Where the graph came from: the disk cache (`reused`) or a conversion in this call. */
  readonly graph: { path: string | undefined; reused: boolean; bytes: number };
  /** Releases the session. Idempotent; later `computeFeatures` calls reject. */
  close(): Promise<void>;
}

/**
 * Converts `backbone`'s frozen feature network to ONNX (or reads the graph an earlier run
 * cached for the same `cacheIdentity`), opens an ONNX Runtime session on it and returns a
 * {@link FeatureComputer} for `extractFeatures`. Inputs are the normalized NHWC batches
 * `extractFeatures` already makes, so both engines share decoding, caching and normalization.
 * Rejects with a `BACKEND_UNAVAILABLE` GraftError when onnxruntime-node is missing, and with
 * the converter's error when the backbone has a layer without an ONNX conversion.
 */
export async function createOnnxFeatureComputer(
  options: OnnxFeatureComputerOptions,
): Promise<OnnxFeatureComputer> {
  try {
    return await createComputer(options);
  } catch (error) {
    // Closing after a successful `open` is a no-op: the failed open already ended the thread.
    await options.sessionThread?.close();
    throw error;
  }
}

async function createComputer(options: OnnxFeatureComputerOptions): Promise<OnnxFeatureComputer> {
  const { backbone } = options;
  const threads = options.intraOpNumThreads ?? availableParallelism();
  checkPositiveInteger('intraOpNumThreads', options.intraOpNumThreads, threads);
  const concurrency = options.concurrency ?? 2;
  checkPositiveInteger('concurrency', options.concurrency, concurrency);
  const microBatch = options.microBatch ?? 4;
  checkPositiveInteger('microBatch', options.microBatch, microBatch);
  const providers = options.executionProviders ?? ['cpu'];
  if (providers.length === 0) {
    throw new InvalidArgumentError({
      argument: 'executionProviders',
      value: providers,
      expected: "must name at least one provider, e.g. ['cpu'] or ['cuda', 'cpu']",
    });
  }
  if (options.cacheIdentity !== undefined && !/^[0-9a-f]{64}$/.test(options.cacheIdentity)) {
    throw new InvalidArgumentError({
      argument: 'cacheIdentity',
      value: options.cacheIdentity,
      expected: "must be backboneCacheIdentity(backbone)'s 64 hex digits",
    });
  }
  // A session thread says itself whether onnxruntime-node loads (this thread never imports it);
  // when it does not, loading it here gives the usual error.
  const probed = await options.sessionThread?.probe();
  const runtime = probed?.loaded ? undefined : await loadOnnxRuntime(options.importer);
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const convert = () => convertToOnnx({ model: network });
  const graph =
    options.cacheIdentity === undefined
      ? { bytes: await convert(), path: undefined, reused: false }
      : await cachedOnnxGraph({
          directory: options.cacheDirectory ?? join(defaultCacheDir(), 'onnx'),
          identity: options.cacheIdentity,
          convert,
        });
  const sessionOptions = inferenceSessionOptions({
    executionProviders: providers as InferenceSession.ExecutionProviderConfig[],
    intraOpNumThreads: threads,
    allowSpinning: options.allowSpinning !== false,
  });
  const inWorkerThread = options.inWorkerThread === true || options.sessionThread !== undefined;
  const session = options.sessionThread
    ? await options.sessionThread.open(graph.bytes, sessionOptions)
    : inWorkerThread
      ? await openSessionThread(graph.bytes, sessionOptions)
      : await inThisThread(runtime as OnnxRuntime, graph.bytes, sessionOptions);
  const providerNames = providers.map((provider) =>
    typeof provider === 'string' ? provider : provider.name,
  );
  const version = probed?.loaded
    ? probed.version
    : (runtime?.env.versions?.node ?? runtime?.env.versions?.common ?? 'unknown');
  let closed = false;
  // One inference at a time: each already uses every intra-op thread.
  let queue: Promise<unknown> = Promise.resolve();

  const run = async (
    batch: PreprocessedBatch | PixelBatch,
    signal?: AbortSignal,
  ): Promise<Float32Array> => {
    if (closed) throw new Error('The ONNX Runtime feature computer is closed.');
    signal?.throwIfAborted();
    const [images] = batch.shape;
    const output =
      batch.pixels instanceof Uint8Array
        ? await session.runBytes(batch.pixels, batch.shape, backbone.preprocessing, microBatch)
        : await session.run(batch.pixels, batch.shape, microBatch);
    const values = output.values;
    if (output.outputType !== 'float32' || values === undefined) {
      throw new GraftError({
        code: 'INTERNAL',
        message: `The ONNX graph of ${backbone.weightsId} returned no float32 output '${session.outputName}'.`,
      });
    }
    if (values.length !== images * backbone.featureDim) {
      throw new GraftError({
        code: 'INTERNAL',
        message: `The ONNX graph of ${backbone.weightsId} returned [${output.dims.join(', ')}] for ${images} images of ${backbone.featureDim} features.`,
      });
    }
    // The caller keeps the rows: hand over an array of its own.
    return ownedArray(values);
  };
  // Float input and bytes share the one queue: one inference at a time either way.
  const enqueue = (
    batch: PreprocessedBatch | PixelBatch,
    callOptions: { signal?: AbortSignal } = {},
  ): Promise<Float32Array> => {
    const result = queue.then(() => run(batch, callOptions.signal));
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    featureDim: backbone.featureDim,
    weightsId: backbone.weightsId,
    ...(options.cacheIdentity !== undefined ? { cacheIdentity: options.cacheIdentity } : {}),
    concurrency,
    engine: {
      name: 'onnxruntime',
      detail: `onnxruntime-node ${version}, ${providerNames.join(' > ')} provider${providerNames.length === 1 ? '' : 's'}, ${threads} thread${threads === 1 ? '' : 's'}${options.allowSpinning === false ? ', no spinning' : ''}${inWorkerThread ? ', in a worker thread' : ''}`,
    },
    graph: { path: graph.path, reused: graph.reused, bytes: graph.bytes.byteLength },
    computeFeatures: enqueue,
    // Normalized by the session's thread, a micro-batch at a time (normalizing-run.ts).
    computePixelFeatures: enqueue,
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await session.release();
    },
  };
}

/** A session in the calling thread, behind the same interface as {@link openSessionThread}'s. */
async function inThisThread(
  runtime: OnnxRuntime,
  graph: Uint8Array,
  options: InferenceSession.SessionOptions,
): Promise<SessionThread> {
  const session = await runtime.InferenceSession.create(graph, options);
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  const runFloats = (pixels: Float32Array, shape: readonly number[]) =>
    runFirstOutput(runtime, session, pixels, shape);
  return {
    inputName,
    outputName,
    run(pixels, shape, microBatch = shape[0] ?? 1) {
      return runInMicroBatches({ pixels, shape, microBatch, run: runFloats });
    },
    runBytes(pixels, shape, preprocessing, microBatch = shape[0] ?? 1) {
      return runInMicroBatches({
        pixels,
        shape,
        microBatch,
        run: normalizingRun(runFloats, preprocessing),
      });
    },
    release: () => session.release(),
  };
}

function checkPositiveInteger(argument: string, given: unknown, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      argument,
      value: given,
      expected: 'must be an integer >= 1',
    });
  }
}
