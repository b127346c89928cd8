import {
  type Backbone,
  InvalidArgumentError,
  type JsonObject,
  nearestNames,
  type Preprocessing,
  type UnfreezeOptions,
} from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyFrozenBatchNormPolicy } from '../freezing/batch-norm-policy.js';
import { freezeAllLayers, setTrainableLayers } from '../freezing/layer-freezing.js';
import { splitAtBoundary } from '../freezing/split-at-boundary.js';
import { foldBatchNorm } from '../inference/fold-batch-norm.js';

/** How a 4-D feature map becomes a feature vector. */
export type FeaturePooling = 'avg' | 'max';

/** Options of {@link backboneFromModel}. */
export interface BackboneFromModelOptions {
  /** The network; its first input takes `[N, H, W, 3]` preprocessed images. Owned by the backbone. */
  model: tfl.LayersModel;
  /**
   * Name of the layer whose output is the feature map or vector. Default: the model's output.
   * Layers after it are not part of the backbone.
   */
  featureLayer?: string;
  /** How raw pixels become the model's input; travels with the weights. */
  preprocessing: Preprocessing;
  /** Pooling applied when the feature layer's output is 4-D. Default `avg`. */
  pooling?: FeaturePooling;
  /** Name reported by the backbone. Default: the model's name. */
  name?: string;
  /**
   * Label of architecture + weights, written into saved models' metadata. Default:
   * `<name>:custom`. Feature caches are keyed by the weights' content; this only adds to it.
   */
  weightsId?: string;
  /** Named stages in topological order, usable as `unfreeze({ from })`. Default: none. */
  stages?: readonly string[];
  /** Keep every BatchNormalization layer frozen (inference mode) even when unfreezing. */
  keepBatchNormFrozen?: boolean;
  /** Extra JSON merged into {@link Backbone.getConfig} (e.g. family options, weight source). */
  config?: JsonObject;
  /** Whether the backbone starts frozen (feature extraction). Default `true`. */
  frozen?: boolean;
  /**
   * Layer whose output is the last spatial feature map before pooling (Grad-CAM's target).
   * Default: the feature layer when its output is 4-D, else the 4-D input of a global pooling
   * layer that produces the features.
   */
  featureMapLayer?: string;
}

/** A {@link Backbone} plus the options it was made with, as every backbone of this package is. */
export interface GraftBackbone extends Backbone {
  /** Whether BatchNormalization layers stay frozen when unfreezing. */
  readonly keepBatchNormFrozen: boolean;
  /**
   * A network equal to `model` in inference mode, with BatchNorm folded into the preceding
   * convolutions, ReLU/ReLU6 fused into them and zero padding absorbed (see `foldBatchNorm`).
   * Built from the current weights: while no weight of `model` was assigned since the previous
   * call, that call's network is returned again; otherwise a new one is built and the previous
   * one disposed. Owned by the backbone: `dispose()` releases it.
   */
  inferenceModel(): tfl.LayersModel;
}

/**
 * Wraps any `tf.LayersModel` as a {@link Backbone}: cuts it at `featureLayer`, adds global
 * pooling when that output is a feature map, and applies the frozen-BatchNorm policy (frozen
 * BatchNormalization layers run in inference mode even when called with `training: true`).
 * Built-in backbones are made with this function too.
 */
export function backboneFromModel(options: BackboneFromModelOptions): GraftBackbone {
  const source = options.model;
  const name = options.name ?? source.name;
  const pooling = options.pooling ?? 'avg';
  if (pooling !== 'avg' && pooling !== 'max') {
    throw new InvalidArgumentError({
      argument: 'pooling',
      value: pooling,
      expected: 'must be one of: avg, max',
    });
  }
  const featureOutput = featureTensorOf(source, options.featureLayer);
  const rank = featureOutput.shape.length;
  let output = featureOutput;
  if (rank === 4) {
    const poolingLayer =
      pooling === 'avg'
        ? tfl.layers.globalAveragePooling2d({ name: `${name}_feature_avg_pool` })
        : tfl.layers.globalMaxPooling2d({ name: `${name}_feature_max_pool` });
    output = poolingLayer.apply(featureOutput) as tfl.SymbolicTensor;
  } else if (rank !== 2) {
    throw new InvalidArgumentError({
      argument: 'featureLayer',
      value: options.featureLayer ?? '(model output)',
      expected: `must output a feature map [N, H, W, C] or vector [N, C]; its output has shape ${JSON.stringify(featureOutput.shape)}`,
    });
  }
  const model =
    output === source.outputs[0] && source.outputs.length === 1
      ? source
      : tfl.model({ inputs: source.inputs, outputs: output, name: `${name}_features` });
  const featureDim = output.shape[1];
  if (typeof featureDim !== 'number') {
    throw new InvalidArgumentError({
      argument: 'featureLayer',
      value: options.featureLayer ?? '(model output)',
      expected: 'must have a known number of channels',
    });
  }
  const featureMapLayer = options.featureMapLayer ?? featureMapLayerOf(featureOutput);
  if (featureMapLayer !== undefined) checkFeatureMapLayer(model, featureMapLayer);
  applyFrozenBatchNormPolicy(model);
  const stages = [...(options.stages ?? [])];
  const keepBatchNormFrozen = options.keepBatchNormFrozen ?? false;
  if (options.frozen ?? true) freezeAllLayers(model);
  // The folded network and the data ids of the weights it was folded from (assigning a variable,
  // by a training step or `setWeights`, gives it another data id).
  let inference: { model: tfl.LayersModel; from: readonly object[] } | undefined;

  return {
    name,
    preprocessing: options.preprocessing,
    featureDim,
    weightsId: options.weightsId ?? `${name}:custom`,
    model,
    stages,
    keepBatchNormFrozen,
    ...(featureMapLayer !== undefined ? { featureMapLayer } : {}),
    inferenceModel() {
      // Folding takes tens of milliseconds and callers ask more than once per run (the engine
      // choice, then the engine): refolded only when a weight changed.
      const from = model.weights.map((weight) => weight.read().dataId);
      const previous = inference;
      if (previous !== undefined && sameItems(previous.from, from)) return previous.model;
      const next = foldBatchNorm({ model, name: `${name}_inference` }).model;
      previous?.model.dispose();
      inference = { model: next, from };
      return next;
    },
    split(splitOptions) {
      const split = splitAtBoundary(model, { before: splitOptions.before, stages });
      let folded: tfl.LayersModel | undefined;
      return {
        ...split,
        inferencePrefix() {
          // Same rewrite as inferenceModel(): BatchNorm ~41 % of MobileNetV2's forward on wasm.
          folded?.dispose();
          folded = foldBatchNorm({ model: split.prefix, name: `${name}_prefix_inference` }).model;
          return folded;
        },
        dispose() {
          folded?.dispose();
          folded = undefined;
          split.dispose();
        },
      };
    },
    freeze() {
      freezeAllLayers(model);
    },
    unfreeze(unfreezeOptions: UnfreezeOptions = {}) {
      setTrainableLayers(model, { ...unfreezeOptions, stages, keepBatchNormFrozen });
    },
    getConfig(): JsonObject {
      return {
        name,
        featureLayer: options.featureLayer ?? null,
        pooling,
        featureDim,
        keepBatchNormFrozen,
        ...(options.config ?? {}),
      };
    },
    dispose() {
      inference?.model.dispose();
      inference = undefined;
      // Disposing the feature model releases the shared layers' weights; the source model's
      // head (if any) is released with it.
      if (model !== source) source.dispose();
      else model.dispose();
    },
  };
}

/**
 * The layer producing the spatial map the features are pooled from: the feature tensor's own
 * layer when it is 4-D, or the 4-D input of the (global pooling) layer that made a 2-D one.
 */
function featureMapLayerOf(features: tfl.SymbolicTensor): string | undefined {
  if (features.shape.length === 4) return features.sourceLayer.name;
  const node = (
    features.sourceLayer as unknown as {
      inboundNodes: Array<{ inputTensors: tfl.SymbolicTensor[] }>;
    }
  ).inboundNodes[features.nodeIndex];
  const input = node?.inputTensors.length === 1 ? node.inputTensors[0] : undefined;
  return input !== undefined && input.shape.length === 4 ? input.sourceLayer.name : undefined;
}

function checkFeatureMapLayer(model: tfl.LayersModel, name: string): void {
  const layer = model.layers.find((candidate) => candidate.name === name);
  const output = layer?.output;
  if (layer === undefined || Array.isArray(output) || output?.shape.length !== 4) {
    const spatial = model.layers
      .filter((candidate) => {
        const candidateOutput = candidate.output;
        return !Array.isArray(candidateOutput) && candidateOutput.shape.length === 4;
      })
      .map((candidate) => candidate.name);
    throw new InvalidArgumentError({
      argument: 'featureMapLayer',
      value: name,
      expected: `must name a layer of model ${JSON.stringify(model.name)} with a 4-D output [N, h, w, c]; the last ones: ${spatial.slice(-5).join(', ')}`,
    });
  }
}

function featureTensorOf(
  model: tfl.LayersModel,
  featureLayer: string | undefined,
): tfl.SymbolicTensor {
  if (featureLayer === undefined) {
    const output = model.outputs[0];
    if (model.outputs.length !== 1 || output === undefined) {
      throw new InvalidArgumentError({
        argument: 'featureLayer',
        value: featureLayer,
        expected: `is required for a model with ${model.outputs.length} outputs`,
      });
    }
    return output;
  }
  const layer = model.layers.find((candidate) => candidate.name === featureLayer);
  if (layer === undefined) {
    const names = model.layers.map((candidate) => candidate.name);
    const nearest = nearestNames(featureLayer, names, 10);
    throw new InvalidArgumentError({
      argument: 'featureLayer',
      value: featureLayer,
      expected: `must name a layer of model ${JSON.stringify(model.name)}; the nearest of its ${names.length} layer names: ${nearest.join(', ')} (last layer: ${names.at(-1)})`,
    });
  }
  const output = layer.output;
  if (Array.isArray(output)) {
    throw new InvalidArgumentError({
      argument: 'featureLayer',
      value: featureLayer,
      expected: 'must name a layer with a single output',
    });
  }
  return output;
}

function sameItems(first: readonly object[], second: readonly object[]): boolean {
  return first.length === second.length && first.every((item, index) => item === second[index]);
}
