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
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
// Types only: the module itself is imported on demand by loadOnnxRuntime.
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  buildTrainingGraphs,
  findUntrainableLayer,
  type TrainingGraphs,
} from '../training/build-training-graphs.js';
import { loadOnnxRuntime, type ModuleImporter } from './load-onnx-runtime.js';
import type { ExecutionProvider } from './onnx-feature-computer.js';

/** Options of {@link createOnnxTrainingEngine}. */
export interface OnnxTrainingEngineOptions {
  /** ONNX Runtime execution providers, in order of preference. Default `['cpu']`. */
  executionProviders?: readonly ExecutionProvider[];
  /** Threads of one run (ONNX Runtime's intra-op pool). Default: the number of CPUs. */
  intraOpNumThreads?: number;
  /** Imports onnxruntime-node (tests pass a failing importer). Default: `import()`. */
  importer?: ModuleImporter;
}

/** A {@link BackboneTrainingEngine} on ONNX Runtime, with what it has compiled. */
export interface OnnxTrainingEngine extends BackboneTrainingEngine {
  /** Training graphs built so far (one per backbone and trainable set). */
  readonly compiledGraphs: number;
}

interface Compiled {
  graphs: TrainingGraphs;
  forward: InferenceSession;
  backward: InferenceSession;
}

const frozenBatchNormMarker = Symbol.for('graft.backbones.frozenBatchNormInference');

/**
 * Fine-tunes backbones on ONNX Runtime: for each backbone and set of trainable weights it builds
 * a forward and a backward ONNX model from the backbone's own layers (`buildTrainingGraphs`),
 * feeds them the current tfjs weights on every call and returns gradients in tfjs layout. Native
 * kernels on every core instead of one wasm thread; the head, loss and optimiser stay in tfjs
 * (`createEngineGradientComputer` in `@graft/trainer`). Rejects with a `BACKEND_UNAVAILABLE`
 * GraftError when onnxruntime-node is missing.
 */
export async function createOnnxTrainingEngine(
  options: OnnxTrainingEngineOptions = {},
): Promise<OnnxTrainingEngine> {
  const threads = options.intraOpNumThreads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidArgumentError({
      argument: 'intraOpNumThreads',
      value: options.intraOpNumThreads,
      expected: 'must be an integer >= 1',
    });
  }
  const providers = options.executionProviders ?? ['cpu'];
  const runtime = await loadOnnxRuntime(options.importer);
  const version = runtime.env.versions?.node ?? runtime.env.versions?.common ?? 'unknown';
  const providerNames = providers.map((provider) =>
    typeof provider === 'string' ? provider : provider.name,
  );
  const engine: FeatureEngine = {
    name: 'onnxruntime',
    detail: `onnxruntime-node ${version}, ${providerNames.join(' > ')}, ${threads} thread${threads === 1 ? '' : 's'}`,
  };
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: providers as InferenceSession.ExecutionProviderConfig[],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  // Compiled graphs per model, keyed by trainable set and BatchNorm modes; a few stay (a staged
  // unfreeze moves through several sets).
  const compiled = new Map<string, Compiled>();
  let compiledCount = 0;
  let closed = false;

  const compile = async (
    backbone: Backbone,
    layerVariables: tfl.LayerVariable[],
  ): Promise<Compiled> => {
    const model = backbone.model;
    const key = [
      model.name,
      layerVariables.map((variable) => variable.name).join(','),
      batchNormLayers(model)
        .map((layer) => (batchNormTraining(layer) ? '1' : '0'))
        .join(''),
    ].join('|');
    const known = compiled.get(key);
    if (known) return known;
    const graphs = buildTrainingGraphs({
      model,
      variables: layerVariables,
      batchNormTraining,
    });
    const [forward, backward] = await Promise.all([
      runtime.InferenceSession.create(graphs.forward, sessionOptions),
      runtime.InferenceSession.create(graphs.backward, sessionOptions),
    ]);
    const entry = { graphs, forward, backward };
    compiled.set(key, entry);
    compiledCount++;
    if (compiled.size > 3) {
      const [oldestKey, oldest] = compiled.entries().next().value as [string, Compiled];
      compiled.delete(oldestKey);
      await Promise.all([oldest.forward.release(), oldest.backward.release()]);
    }
    return entry;
  };

  const forward = async (request: BackboneForwardRequest): Promise<BackboneForwardPass> => {
    if (closed) throw new Error('The ONNX training engine is closed.');
    const { backbone } = request;
    const layerVariables = toLayerVariables(backbone, request.variables);
    const {
      graphs,
      forward: forwardSession,
      backward: backwardSession,
    } = await compile(backbone, layerVariables);
    const weightValues = new Map<tfl.LayerVariable, Float32Array>();
    const weightValue = async (weight: tfl.LayerVariable) => {
      let values = weightValues.get(weight);
      if (values === undefined) {
        values = (await weight.read().data()) as Float32Array;
        weightValues.set(weight, values);
      }
      return values;
    };
    const weightFeeds = async (weights: Map<string, tfl.LayerVariable>) => {
      const feeds: Record<string, Tensor> = {};
      for (const [name, weight] of weights) {
        feeds[name] = new runtime.Tensor(
          'float32',
          await weightValue(weight),
          weight.shape as number[],
        );
      }
      return feeds;
    };
    const outputs = await forwardSession.run({
      images: new runtime.Tensor('float32', request.inputs, [...request.shape]),
      ...(await weightFeeds(graphs.forwardWeights)),
    });
    const features = outputs.features;
    if (features === undefined) {
      throw new GraftError({
        code: 'INTERNAL',
        message: 'The ONNX training graph returned no features.',
      });
    }
    for (const statistic of graphs.statistics) {
      updateMovingStatistics(statistic.layer, {
        mean: outputs[statistic.mean]?.data as Float32Array,
        variance: outputs[statistic.variance]?.data as Float32Array,
      });
    }
    let saved: Record<string, Tensor> | undefined = Object.fromEntries(
      graphs.saved.map((name) => [name, outputs[name] as Tensor]),
    );
    return {
      features: features.data as Float32Array,
      featureShape: [...features.dims],
      async backward(featureGradient) {
        if (saved === undefined) throw new Error('backward() was already called or released.');
        const feeds = {
          d_features: new runtime.Tensor('float32', featureGradient, [...features.dims]),
          ...(await weightFeeds(graphs.backwardWeights)),
          ...saved,
        };
        saved = undefined;
        const results = await backwardSession.run(feeds);
        return graphs.gradients.map((name, index) => {
          const variable = request.variables[index] as tf.Variable;
          if (name === undefined) return new Float32Array(variable.size);
          return results[name]?.data as Float32Array;
        });
      },
      release() {
        saved = undefined;
      },
    };
  };

  return {
    engine,
    get compiledGraphs() {
      return compiledCount;
    },
    unsupportedReason: (backbone) => findUntrainableLayer(backbone.model),
    forward,
    async close() {
      if (closed) return;
      closed = true;
      const sessions = [...compiled.values()].flatMap((entry) => [entry.forward, entry.backward]);
      compiled.clear();
      await Promise.all(sessions.map((session) => session.release()));
    },
  };
}

/** The backbone's LayerVariables holding `variables`, same order; throws on a stranger. */
function toLayerVariables(
  backbone: Backbone,
  variables: readonly tf.Variable[],
): tfl.LayerVariable[] {
  const byTensor = new Map<tf.Tensor, tfl.LayerVariable>(
    backbone.model.weights.map((weight) => [weight.read(), weight]),
  );
  return variables.map((variable) => {
    const weight = byTensor.get(variable);
    if (weight === undefined) {
      throw new InvalidArgumentError({
        argument: 'variables',
        value: variable.name,
        expected: `must be weights of the backbone ${backbone.name}`,
      });
    }
    return weight;
  });
}

function batchNormLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization');
}

/**
 * tfjs-layers runs BatchNorm in training mode whenever it is called with `training: true`;
 * `@graft/backbones`' frozen-BatchNorm policy makes a non-trainable one use its moving statistics.
 */
function batchNormTraining(layer: tfl.layers.Layer): boolean {
  const patched = (layer as unknown as Record<symbol, boolean>)[frozenBatchNormMarker] === true;
  return layer.trainable || !patched;
}

/** tfjs-layers' update `m ← m − (m − batch)·(1 − momentum)`, in float32 steps like its kernels. */
function updateMovingStatistics(
  layer: tfl.layers.Layer,
  batch: { mean: Float32Array; variance: Float32Array },
): void {
  const momentum = Number(layer.getConfig().momentum ?? 0.99);
  const decay = Math.fround(1 - momentum);
  for (const [shortName, values] of [
    ['moving_mean', batch.mean],
    ['moving_variance', batch.variance],
  ] as const) {
    const weight = layer.weights.find((candidate) =>
      candidate.originalName.endsWith(`/${shortName}`),
    );
    if (weight === undefined) continue;
    const current = weight.read().dataSync() as Float32Array;
    const next = new Float32Array(current.length);
    for (let index = 0; index < next.length; index++) {
      const old = current[index] as number;
      next[index] = Math.fround(
        old - Math.fround(Math.fround(old - (values[index] as number)) * decay),
      );
    }
    const tensor = tf.tensor(next, weight.shape as number[]);
    weight.write(tensor);
    tensor.dispose();
  }
}
