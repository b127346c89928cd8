import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { applyFrozenBatchNormPolicy } from '../freezing/batch-norm-policy.js';
import { FusedConvolution, type FusedPadding } from './fused-convolution.js';
import {
  consumersOf,
  type Fusion,
  type GraphNode,
  type LayerConfig,
  pairOf,
  planFusion,
  topologicalNodes,
} from './fusion-plan.js';

/** Options of {@link foldBatchNorm}. */
export interface FoldBatchNormOptions {
  /** A functional (or sequential) LayersModel; read, never modified. */
  model: tfl.LayersModel;
  /** Name of the new model. Default `<model.name>_inference`. */
  name?: string;
}

/** What {@link foldBatchNorm} changed. */
export interface FoldBatchNormReport {
  /** Convolutions replaced by one fused convolution + bias + activation kernel. */
  fusedConvolutions: number;
  /** BatchNormalization layers folded into the preceding convolution. */
  foldedBatchNorms: number;
  /** BatchNormalization layers left as they are (no convolution right before them). */
  keptBatchNorms: number;
  /** ReLU / ReLU6 layers (or activations) executed by a fused convolution. */
  fusedActivations: number;
  /** ZeroPadding2D layers absorbed into a convolution's padding. */
  absorbedPaddings: number;
}

/** Result of {@link foldBatchNorm}. */
export interface FoldBatchNormResult {
  /** The new network; the caller owns it and disposes it. */
  model: tfl.LayersModel;
  /** What was fused. */
  report: FoldBatchNormReport;
}

/**
 * Builds an inference-only copy of `model` with every BatchNormalization that directly follows a
 * Conv2D/DepthwiseConv2D folded into that convolution (moving statistics: kernel scaled by
 * γ/√(σ²+ε) per output channel, bias `(b − μ)·γ/√(σ²+ε) + β`), a following ReLU/ReLU6 executed
 * by the same fused kernel, and a ZeroPadding2D right before it turned into the convolution's
 * own padding (exact: both pad with zeros; `same` when it equals TF's `same`, else explicit).
 *
 * A pattern is fused only when every intermediate tensor has this one consumer and is not a
 * model output; anything else (BatchNorm before a convolution or with several consumers, other
 * activations, nested models, channels-first data) is copied unchanged. Equal to `model` in
 * inference mode up to float32 rounding. The new model shares no variable with `model` (weight
 * values are immutable, reference-counted tensors); every layer is non-trainable. Layers are
 * copied through their registered class (`getClassName()`), so custom layers must be registered
 * with `tf.serialization.registerClass`.
 */
export function foldBatchNorm(options: FoldBatchNormOptions): FoldBatchNormResult {
  const { model } = options;
  const order = topologicalNodes(model);
  const consumers = consumersOf(order, model);
  const fusions = new Map<GraphNode, Fusion>();
  const absorbed = new Set<GraphNode>();
  for (const node of order) {
    const fusion = planFusion(node, consumers);
    if (fusion === undefined) continue;
    fusions.set(node, fusion);
    for (const part of [fusion.padding, fusion.batchNorm, fusion.activationNode]) {
      if (part !== undefined) absorbed.add(part);
    }
  }

  const report: FoldBatchNormReport = {
    fusedConvolutions: 0,
    foldedBatchNorms: 0,
    keptBatchNorms: 0,
    fusedActivations: 0,
    absorbedPaddings: 0,
  };
  const mapped = new Map<number, tfl.SymbolicTensor>();
  const clones = new Map<tfl.layers.Layer, tfl.layers.Layer>();
  const created: tfl.layers.Layer[] = [];
  const usedNames = new Set(order.map((node) => node.outboundLayer.name));
  for (const node of fusions.keys()) usedNames.delete(node.outboundLayer.name);
  const lookup = (tensor: tfl.SymbolicTensor): tfl.SymbolicTensor => {
    const result = mapped.get(tensor.id);
    if (result === undefined) throw new Error(`foldBatchNorm: tensor ${tensor.name} not built`);
    return result;
  };
  try {
    for (const node of order) {
      if (absorbed.has(node)) continue;
      const layer = node.outboundLayer;
      const fusion = fusions.get(node);
      if (fusion !== undefined) {
        let name = layer.name;
        // A convolution shared by several calls gives one fused layer per call.
        for (let index = 1; usedNames.has(name); index++) name = `${layer.name}_${index}`;
        usedNames.add(name);
        const fused = applyFusedConvolution(fusion, lookup(fusion.input), name);
        created.push(fused.layer);
        mapped.set(fusion.output.id, fused.output);
        report.fusedConvolutions++;
        if (fusion.batchNorm !== undefined) report.foldedBatchNorms++;
        if (fusion.activationNode !== undefined || fusion.activation !== 'linear') {
          report.fusedActivations++;
        }
        if (fusion.padding !== undefined) report.absorbedPaddings++;
        continue;
      }
      if (layer.getClassName() === 'InputLayer') {
        const output = node.outputTensors[0] as tfl.SymbolicTensor;
        const input = tfl.input({
          batchShape: [...output.shape],
          dtype: output.dtype,
          name: layer.name,
        });
        mapped.set(output.id, input);
        continue;
      }
      if (layer.getClassName() === 'BatchNormalization') report.keptBatchNorms++;
      let clone = clones.get(layer);
      const firstUse = clone === undefined;
      if (clone === undefined) {
        clone = cloneLayer(layer);
        clones.set(layer, clone);
        created.push(clone);
      }
      const inputs = node.inputTensors.map(lookup);
      const outputs = clone.apply(
        inputs.length === 1 ? (inputs[0] as tfl.SymbolicTensor) : inputs,
        node.callArgs,
      );
      const outputList = Array.isArray(outputs) ? outputs : [outputs];
      node.outputTensors.forEach((tensor, index) => {
        mapped.set(tensor.id, outputList[index] as tfl.SymbolicTensor);
      });
      if (firstUse) clone.setWeights(layer.getWeights());
    }
    const result = tfl.model({
      inputs: model.inputs.map(lookup),
      outputs: model.outputs.map(lookup),
      name: options.name ?? `${model.name}_inference`,
    });
    for (const layer of result.layers) layer.trainable = false;
    applyFrozenBatchNormPolicy(result);
    return { model: result, report };
  } catch (error) {
    for (const layer of created) {
      try {
        layer.dispose();
      } catch {
        // Not built yet: nothing to release.
      }
    }
    throw error;
  }
}

/** Weights of `layer` by their unscoped name (`kernel`, `moving_mean` …; scope `Conv1/` removed). */
function weightsByName(layer: tfl.layers.Layer): Map<string, tf.Tensor> {
  const result = new Map<string, tf.Tensor>();
  for (const weight of layer.weights) {
    result.set(weight.originalName.slice(weight.originalName.lastIndexOf('/') + 1), weight.read());
  }
  return result;
}

/** Creates the fused layer of `fusion` and applies it to `input` (the new graph's tensor). */
function applyFusedConvolution(
  fusion: Fusion,
  input: tfl.SymbolicTensor,
  name: string,
): { layer: FusedConvolution; output: tfl.SymbolicTensor } {
  const layer = fusion.convolution.outboundLayer;
  const depthwise = layer.getClassName() === 'DepthwiseConv2D';
  const config = layer.getConfig() as LayerConfig;
  const weights = weightsByName(layer);
  const kernel = weights.get(depthwise ? 'depthwise_kernel' : 'kernel') as tf.Tensor4D | undefined;
  if (kernel === undefined) throw new Error(`foldBatchNorm: ${layer.name} has no kernel`);
  const strides = pairOf(config.strides);
  const dilationRate = depthwise ? ([1, 1] as [number, number]) : pairOf(config.dilationRate);
  const padding = fusedPadding(fusion, strides, dilationRate, kernel.shape);
  const [foldedKernel, foldedBias] = tf.tidy(() => {
    const [, , inChannels, lastDimension] = kernel.shape;
    const outChannels = depthwise ? inChannels * lastDimension : lastDimension;
    let bias: tf.Tensor1D =
      (weights.get('bias') as tf.Tensor1D | undefined) ?? tf.zeros([outChannels]);
    let folded: tf.Tensor4D = kernel;
    if (fusion.batchNorm !== undefined) {
      const batchNorm = fusion.batchNorm.outboundLayer;
      const batchNormConfig = batchNorm.getConfig() as LayerConfig;
      const statistics = weightsByName(batchNorm);
      const mean = statistics.get('moving_mean') as tf.Tensor1D;
      const variance = statistics.get('moving_variance') as tf.Tensor1D;
      const gamma = statistics.get('gamma') as tf.Tensor1D | undefined;
      const beta = statistics.get('beta') as tf.Tensor1D | undefined;
      const epsilon = Number(batchNormConfig.epsilon ?? 1e-3);
      const inverseDeviation = tf.rsqrt(tf.add(variance, tf.scalar(epsilon))) as tf.Tensor1D;
      const scale =
        gamma === undefined ? inverseDeviation : (tf.mul(gamma, inverseDeviation) as tf.Tensor1D);
      // Depthwise output channel c·multiplier + m scales kernel[:, :, c, m].
      folded = tf.mul(kernel, depthwise ? tf.reshape(scale, [inChannels, lastDimension]) : scale);
      bias = tf.mul(tf.sub(bias, mean), scale);
      if (beta !== undefined) bias = tf.add(bias, beta) as tf.Tensor1D;
    }
    // Copies: the fused layer must not alias the source's variables.
    return [tf.add(folded, tf.scalar(0)) as tf.Tensor4D, tf.add(bias, tf.scalar(0)) as tf.Tensor1D];
  });
  const fused = new FusedConvolution({
    name,
    kind: depthwise ? 'depthwise' : 'conv2d',
    kernel: foldedKernel,
    bias: foldedBias,
    strides,
    dilationRate,
    padding,
    activation: fusion.activation,
  });
  try {
    // Building (on apply) assigns the values to the layer's own variables.
    const output = fused.apply(input) as tfl.SymbolicTensor;
    return { layer: fused, output };
  } finally {
    tf.dispose([foldedKernel, foldedBias]);
  }
}

/** The convolution's padding with an absorbed ZeroPadding2D added (exact: both pad zeros). */
function fusedPadding(
  fusion: Fusion,
  strides: [number, number],
  dilationRate: [number, number],
  kernelShape: readonly number[],
): FusedPadding {
  const convolutionPadding = String(fusion.convolution.outboundLayer.getConfig().padding) as
    | 'same'
    | 'valid';
  if (fusion.padding === undefined) return convolutionPadding;
  const zeroPadding = fusion.padding.outboundLayer.getConfig().padding as number[][];
  const padded = fusion.convolution.inputTensors[0]?.shape as number[];
  const original = fusion.input.shape as number[];
  const axes = [0, 1] as const;
  const total: [number, number][] = axes.map((axis) => {
    const [before, after] = zeroPadding[axis] as [number, number];
    const effectiveKernel = ((kernelShape[axis] as number) - 1) * dilationRate[axis] + 1;
    const [ownBefore, ownAfter] =
      convolutionPadding === 'same'
        ? samePadding(padded[axis + 1] as number, effectiveKernel, strides[axis])
        : [0, 0];
    return [before + ownBefore, after + ownAfter];
  }) as [number, number][];
  const same = axes.map((axis) =>
    samePadding(
      original[axis + 1] as number,
      ((kernelShape[axis] as number) - 1) * dilationRate[axis] + 1,
      strides[axis],
    ),
  );
  const equals = (a: readonly number[][], b: readonly number[][]) =>
    a.every((pair, axis) => pair[0] === b[axis]?.[0] && pair[1] === b[axis]?.[1]);
  if (equals(total, same)) return 'same';
  if (total.every(([before, after]) => before === 0 && after === 0)) return 'valid';
  return [total[0] as [number, number], total[1] as [number, number]];
}

/** TF `same` padding along one axis: `[before, after]`, the extra pixel after. */
function samePadding(input: number, effectiveKernel: number, stride: number): [number, number] {
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + effectiveKernel - input, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** A fresh, unbuilt copy of `layer` from its registered class and config. */
function cloneLayer(layer: tfl.layers.Layer): tfl.layers.Layer {
  const className = layer.getClassName();
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: `layer ${layer.name} (${className})`,
      expected:
        'must contain only layer classes registered with tf.serialization.registerClass (needed to copy them)',
    });
  }
  const config: LayerConfig = { ...(layer.getConfig() as LayerConfig), trainable: false };
  // Weights are overwritten right after building: skip the random initialisation.
  for (const key of Object.keys(config)) {
    if (key.endsWith('Initializer') && config[key] !== null && typeof config[key] === 'object') {
      config[key] = { className: 'Zeros', config: {} };
    }
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config as tf.serialization.ConfigDict) as tfl.layers.Layer;
}
