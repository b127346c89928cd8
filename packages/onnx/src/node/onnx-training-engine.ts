import { availableParallelism } from 'node:os';
import {
  type Backbone,
  type BackboneForwardPass,
  type BackboneForwardRequest,
  type BackboneTrainingEngine,
  type FeatureEngine,
  GraftError,
  InvalidArgumentError,
} from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Types only: the module itself is imported on demand by loadOnnxRuntime.
import type { InferenceSession } from 'onnxruntime-node';
import {
  buildTrainingGraphs,
  findUntrainableLayer,
  type TrainingGraphs,
} from '../training/build-training-graphs.js';
import { loadOnnxRuntime, type ModuleImporter } from './load-onnx-runtime.js';
import type { ExecutionProvider } from './onnx-feature-computer.js';
import { openTrainingSessionThread } from './open-training-session-thread.js';
import { toLayerVariables } from './to-layer-variables.js';
import {
  batchNormLayers,
  batchNormTraining,
  updateMovingStatistics,
} from './training-batch-norm.js';
import { toTrainingOutOfMemoryError } from './training-out-of-memory.js';
import type { ThreadTensor, WeightSnapshot } from './training-session-protocol.js';
import {
  createTrainingWeightSnapshot,
  type TrainingWeightSnapshot,
} from './training-weight-snapshot.js';

/** Options of {@link createOnnxTrainingEngine}. */
export interface OnnxTrainingEngineOptions {
  /** ONNX Runtime execution providers, in order of preference. Default `['cpu']`. */
  executionProviders?: readonly ExecutionProvider[];
  /**
   * Worker threads, each with its own sessions, taking micro-batches in parallel (data-parallel:
   * ONNX Runtime's intra-op threads scale poorly over the many small kernels of a training step).
   * Default: the number of CPUs.
   */
  workers?: number;
  /** Threads of one run in each worker (ONNX Runtime's intra-op pool). Default: CPUs / workers. */
  intraOpNumThreads?: number;
  /** Imports onnxruntime-node (tests pass a failing importer). Default: `import()`. */
  importer?: ModuleImporter;
}

/** A {@link BackboneTrainingEngine} on ONNX Runtime, with what it has compiled. */
export interface OnnxTrainingEngine extends BackboneTrainingEngine {
  /** Training graphs built so far (one per backbone and trainable set). */
  readonly compiledGraphs: number;
  /** Worker threads: micro-batches the engine runs at once. */
  readonly concurrency: number;
}

/**
 * Fine-tunes backbones on ONNX Runtime: for each backbone and set of trainable weights it builds
 * a forward and a backward ONNX model from the backbone's own layers (`buildTrainingGraphs`),
 * feeds them the current tfjs weights on every call and returns gradients in tfjs layout. Native
 * kernels instead of one wasm thread, and one worker thread per core taking micro-batches in
 * parallel (a pass's saved activations stay in its worker); the head, loss and optimiser stay in tfjs
 * (`createEngineGradientComputer` in `@graft/trainer`). Rejects with a `BACKEND_UNAVAILABLE`
 * GraftError when onnxruntime-node is missing.
 */
export async function createOnnxTrainingEngine(
  options: OnnxTrainingEngineOptions = {},
): Promise<OnnxTrainingEngine> {
  const cpus = availableParallelism();
  const workers = options.workers ?? cpus;
  checkPositiveInteger('workers', options.workers, workers);
  const threads = options.intraOpNumThreads ?? Math.max(1, Math.floor(cpus / workers));
  checkPositiveInteger('intraOpNumThreads', options.intraOpNumThreads, threads);
  const providers = options.executionProviders ?? ['cpu'];
  // Loaded here too: a missing module is this call's error, not a worker's.
  const runtime = await loadOnnxRuntime(options.importer);
  const version = runtime.env.versions?.node ?? runtime.env.versions?.common ?? 'unknown';
  const providerNames = providers.map((provider) =>
    typeof provider === 'string' ? provider : provider.name,
  );
  const engine: FeatureEngine = {
    name: 'onnxruntime',
    detail: `onnxruntime-node ${version}, ${providerNames.join(' > ')}, ${workers} worker${workers === 1 ? '' : 's'} × ${threads} thread${threads === 1 ? '' : 's'}`,
  };
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: providers as InferenceSession.ExecutionProviderConfig[],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const pool = Array.from({ length: workers }, () => ({
    thread: openTrainingSessionThread(),
    opened: new Set<string>(),
    passes: 0,
  }));
  // Compiled graphs keyed by model, trainable set and BatchNorm modes; a few stay (a staged
  // unfreeze moves through several sets).
  const compiled = new Map<string, TrainingGraphs & { weights: TrainingWeightSnapshot }>();
  let compiledCount = 0;
  let closed = false;
  // BatchNorm moving statistics are updated in the order forward() was called, whichever
  // worker answers first, as one thread running the micro-batches in turn would.
  let statistics: Promise<unknown> = Promise.resolve();
  // Requests that carry a weight snapshot and have not been answered: their threads may still
  // read its buffer.
  let reading = 0;
  const withWeights = async <T>(
    snapshot: TrainingWeightSnapshot,
    send: (weights: WeightSnapshot) => Promise<T>,
  ): Promise<T> => {
    const weights = snapshot.current(reading > 0);
    reading++;
    try {
      return await send(weights);
    } finally {
      reading--;
    }
  };

  const compile = async (backbone: Backbone, layerVariables: tfl.LayerVariable[]) => {
    const model = backbone.model;
    const key = [
      model.name,
      layerVariables.map((variable) => variable.name).join(','),
      batchNormLayers(model)
        .map((layer) => (batchNormTraining(layer) ? '1' : '0'))
        .join(''),
    ].join('|');
    let graphs = compiled.get(key);
    if (graphs === undefined) {
      const built = buildTrainingGraphs({ model, variables: layerVariables, batchNormTraining });
      graphs = {
        ...built,
        weights: createTrainingWeightSnapshot(
          new Map([...built.forwardWeights, ...built.backwardWeights]),
        ),
      };
      compiled.set(key, graphs);
      compiledCount++;
      if (compiled.size > 3) {
        const oldest = compiled.keys().next().value as string;
        compiled.delete(oldest);
        for (const slot of pool) {
          if (slot.opened.delete(oldest)) await slot.thread.request({ type: 'drop', key: oldest });
        }
      }
    }
    return { key, graphs };
  };

  const forward = async (request: BackboneForwardRequest): Promise<BackboneForwardPass> => {
    if (closed) throw new Error('The ONNX training engine is closed.');
    const { backbone } = request;
    const layerVariables = toLayerVariables(backbone, request.variables);
    const { key, graphs } = await compile(backbone, layerVariables);
    // The worker with the fewest passes in progress (the first on a tie, so a sequential caller
    // always gets worker 0), counted from here, before any await, so overlapping calls spread.
    const slot = pool.reduce((best, candidate) =>
      candidate.passes < best.passes ? candidate : best,
    );
    slot.passes++;
    // The moving statistics' turn is taken here, before any await: opening a worker's sessions
    // or reading weights may finish out of order, the update order must not.
    let deliver: (outputs: Record<string, ThreadTensor> | undefined) => void = () => undefined;
    const delivered = new Promise<Record<string, ThreadTensor> | undefined>((resolve) => {
      deliver = resolve;
    });
    const turn: { statistics: TrainingGraphs['statistics'] } = { statistics: [] };
    const applied = statistics.then(async () => {
      const outputs = await delivered;
      if (outputs === undefined) return;
      for (const statistic of turn.statistics) {
        updateMovingStatistics(statistic.layer, {
          mean: outputs[statistic.mean]?.data as Float32Array,
          variance: outputs[statistic.variance]?.data as Float32Array,
        });
      }
    });
    statistics = applied.catch(() => undefined);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      slot.passes--;
    };
    try {
      if (!slot.opened.has(key)) {
        slot.opened.add(key);
        await slot.thread.request({
          type: 'open',
          key,
          forward: graphs.forward,
          backward: graphs.backward,
          options: sessionOptions,
          weights: graphs.weights.slots,
        });
      }
      const statisticNames = graphs.statistics.flatMap((statistic) => [
        statistic.mean,
        statistic.variance,
      ]);
      // A copy of just these rows, handed over (a view would clone its whole buffer).
      const images = request.inputs.slice();
      const result = withWeights(graphs.weights, (weights) =>
        slot.thread.request(
          {
            type: 'forward',
            key,
            feeds: { images: { data: images, dims: [...request.shape] } },
            weights,
            returned: ['features', ...statisticNames],
            saved: graphs.saved,
          },
          [images.buffer as ArrayBuffer],
        ),
      );
      turn.statistics = graphs.statistics;
      result.then(deliver, () => deliver(undefined));
      const outputs = (await result) as Record<string, ThreadTensor>;
      await applied;
      const features = outputs.features;
      const pass = outputs.pass?.data[0];
      if (features === undefined || pass === undefined) {
        throw new GraftError({
          code: 'INTERNAL',
          message: 'The ONNX training graph returned no features.',
        });
      }
      let pending = true;
      const forwardPass: BackboneForwardPass = {
        features: features.data,
        featureShape: [...features.dims],
        async backward(featureGradient) {
          if (!pending) throw new Error('backward() was already called or released.');
          pending = false;
          const gradients = (await withWeights(graphs.weights, (weights) =>
            slot.thread.request({
              type: 'backward',
              key,
              pass,
              feeds: { d_features: { data: featureGradient, dims: [...features.dims] } },
              weights,
            }),
          )
            .catch((error: unknown) => {
              throw toTrainingOutOfMemoryError(error, request.shape);
            })
            .finally(finish)) as Record<string, ThreadTensor>;
          return graphs.gradients.map((name, index) => {
            const variable = request.variables[index] as tf.Variable;
            if (name === undefined) return new Float32Array(variable.size);
            return gradients[name]?.data as Float32Array;
          });
        },
        release() {
          if (!pending) return;
          pending = false;
          finish();
          void slot.thread.request({ type: 'release', pass }).catch(() => undefined);
        },
      };
      return forwardPass;
    } catch (error) {
      deliver(undefined);
      finish();
      throw toTrainingOutOfMemoryError(error, request.shape);
    }
  };

  return {
    engine,
    concurrency: workers,
    get compiledGraphs() {
      return compiledCount;
    },
    unsupportedReason: (backbone) => findUntrainableLayer(backbone.model),
    forward,
    async close() {
      if (closed) return;
      closed = true;
      compiled.clear();
      await Promise.all(pool.map((slot) => slot.thread.close()));
    },
  };
}

function checkPositiveInteger(argument: string, given: unknown, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError({ argument, value: given, expected: 'must be an integer >= 1' });
  }
}
