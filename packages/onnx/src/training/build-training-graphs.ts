import { InvalidArgumentError } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type GraphNode, topologicalNodes } from '../convert/convert-layers.js';
import type { OnnxValue } from '../convert/layer-converter.js';
import { toChannelsFirst, toChannelsLast } from '../convert/layout.js';
import { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';
import { onnxDataType, onnxMessageType } from '../proto/onnx-schema.js';
import { transpose } from './graph-operations.js';
import type { ForwardResult, TrainingLayer } from './training-layer.js';
import { trainingLayerRegistry } from './training-layer-registry.js';

/** Options of {@link buildTrainingGraphs}. */
export interface TrainingGraphOptions {
  /** The backbone network: one NHWC float input with known spatial size, one output. Read only. */
  model: tfl.LayersModel;
  /** Weights whose gradients the backward graph returns, in this order. */
  variables: readonly tfl.LayerVariable[];
  /** Whether a BatchNormalization layer uses (and reports) batch statistics. */
  batchNormTraining(layer: tfl.layers.Layer): boolean;
}

/** A training-mode BatchNorm's batch statistics, as outputs of the forward graph. */
export interface BatchStatisticOutputs {
  /** The BatchNormalization layer. */
  layer: tfl.layers.Layer;
  /** Forward-graph output with the batch mean `[C]`. */
  mean: string;
  /** Forward-graph output with the batch (biased) variance `[C]`. */
  variance: string;
}

/** Two ONNX models that together make one training step of a backbone. */
export interface TrainingGraphs {
  /**
   * Forward model. Inputs: `images` (NHWC) and the weights in {@link forwardWeights}. Outputs:
   * `features` (the model's output, tfjs layout), the batch statistics, then {@link saved}.
   */
  forward: Uint8Array;
  /**
   * Backward model. Inputs: `d_features` (gradient of the loss with respect to `features`), the
   * weights in {@link backwardWeights} and {@link saved}. Outputs: {@link gradients}.
   */
  backward: Uint8Array;
  /** Graph input name → weight, for the forward model. */
  forwardWeights: Map<string, tfl.LayerVariable>;
  /** Graph input name → weight, for the backward model. */
  backwardWeights: Map<string, tfl.LayerVariable>;
  /** Forward values the backward model reads (forward outputs, backward inputs, same names). */
  saved: string[];
  /** Batch statistics of the training-mode BatchNorm layers, in layer order. */
  statistics: BatchStatisticOutputs[];
  /** Backward output of each requested variable's gradient (tfjs layout); `undefined` when it does not reach the features. */
  gradients: Array<string | undefined>;
}

type Config = Record<string, unknown>;

/**
 * Why `model` cannot be trained through ONNX graphs (a layer class without a registered
 * training layer, a configuration its check refuses, nested models, several inputs or
 * outputs), or `undefined` when it can.
 */
export function findUntrainableLayer(model: tfl.LayersModel): string | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return `${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is supported)`;
  }
  const input = model.inputs[0]?.shape ?? [];
  if (input.length !== 4 || input.slice(1).some((size) => typeof size !== 'number')) {
    return `${model.name}'s input shape [${input.join(', ')}] (an NHWC image of known size is needed)`;
  }
  const registry = trainingLayerRegistry();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (!registry.has(className)) {
      return `layer ${layer.name} (${className}) has no ONNX training layer (supported: ${registry.names().join(', ')})`;
    }
    const reason = registry.get(className).check?.(layer, layer.getConfig() as Config);
    if (reason !== undefined) return `layer ${layer.name} (${className}): ${reason}`;
  }
  return undefined;
}

interface CallRecord {
  inputPads?: readonly [number, number, number, number];
  node: GraphNode;
  layer: tfl.layers.Layer;
  training: TrainingLayer;
  config: Config;
  inputs: OnnxValue[];
  outputShapes: tfl.Shape[];
  result: ForwardResult;
  isTraining: boolean;
  weightInputs: Map<string, string>;
}

/**
 * Builds the forward and backward ONNX models of one training step of `model` (rank-4 values
 * NCHW inside, tfjs layouts at the edges). Backward nodes are emitted only where a requested
 * variable lies behind them; what the backward model needs from the forward pass is passed as
 * `saved` outputs/inputs instead of being recomputed.
 */
export function buildTrainingGraphs(options: TrainingGraphOptions): TrainingGraphs {
  const { model } = options;
  const reason = findUntrainableLayer(model);
  if (reason !== undefined) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: model.name,
      expected: `must be trainable through ONNX: ${reason}`,
    });
  }
  const registry = trainingLayerRegistry();
  const requested = new Set(options.variables);
  const graph = new OnnxGraphBuilder();
  const images = graph.reserveName('images');
  const featuresName = graph.reserveName('features');
  const dFeaturesName = graph.reserveName('d_features');
  const values = new Map<number, OnnxValue>();
  const dependsOnTrainable = new Map<number, boolean>();
  const inputTensor = model.inputs[0] as tfl.SymbolicTensor;
  values.set(inputTensor.id, {
    name: transpose(graph, images, toChannelsFirst, 'images_nchw'),
    shape: inputTensor.shape,
  });
  dependsOnTrainable.set(inputTensor.id, false);
  const weightNames = new Map<string, tfl.LayerVariable>();
  const int64Values = new Set<string>();
  const statistics: BatchStatisticOutputs[] = [];
  const records: CallRecord[] = [];
  const nodes = [...topologicalNodes(model, new Map(values))];
  const folded = foldablePaddings(nodes, model);

  for (const node of nodes) {
    const layer = node.outboundLayer;
    const padding = folded.byPadding.get(node);
    const training = padding !== undefined ? passThrough : registry.get(layer.getClassName());
    const config = layer.getConfig() as Config;
    const inputs = node.inputTensors.map((tensor) => values.get(tensor.id) as OnnxValue);
    // A convolution whose zero padding was folded into it reads the unpadded value.
    const inputPads = folded.byConsumer.get(node);
    if (inputPads !== undefined) {
      const source = folded.sources.get(node) as tfl.SymbolicTensor;
      inputs[0] = values.get(source.id) as OnnxValue;
    }
    const weightInputs = new Map<string, string>();
    const isTraining =
      layer.getClassName() === 'BatchNormalization' && options.batchNormTraining(layer);
    const pending: Partial<Record<'mean' | 'variance', string>> = {};
    const record: CallRecord = {
      ...(inputPads !== undefined ? { inputPads } : {}),
      node,
      layer,
      training,
      config,
      inputs,
      outputShapes: node.outputTensors.map((tensor) => tensor.shape),
      isTraining,
      weightInputs,
      result: { outputs: [] },
    };
    const context = {
      layer,
      config,
      inputs,
      outputShapes: record.outputShapes,
      graph,
      training: isTraining,
      weight: (shortName: string) =>
        weightInput(layer, shortName, weightInputs, weightNames, graph),
      statistic: (kind: 'mean' | 'variance', value: string) => {
        pending[kind] = value;
      },
      ...(inputPads !== undefined ? { inputPads } : {}),
    };
    record.result = training.forward(context);
    for (const name of record.result.int64 ?? []) int64Values.add(name);
    if (pending.mean !== undefined && pending.variance !== undefined) {
      statistics.push({ layer, mean: pending.mean, variance: pending.variance });
    }
    const depends =
      node.inputTensors.some((tensor) => dependsOnTrainable.get(tensor.id) === true) ||
      layer.weights.some((weight) => requested.has(weight));
    node.outputTensors.forEach((tensor, index) => {
      values.set(tensor.id, { name: record.result.outputs[index] as string, shape: tensor.shape });
      dependsOnTrainable.set(tensor.id, depends);
    });
    records.push(record);
  }
  const outputTensor = model.outputs[0] as tfl.SymbolicTensor;
  const output = values.get(outputTensor.id) as OnnxValue;
  const rank4 = output.shape.length === 4;
  graph.add({
    opType: rank4 ? 'Transpose' : 'Identity',
    inputs: [output.name],
    name: 'features_out',
    output: featuresName,
    ...(rank4 ? { attributes: { perm: toChannelsLast } } : {}),
  });
  const forwardNodeCount = graph.nodes.length;

  // Backward, in reverse call order; a value used by several calls sums their gradients.
  const contributions = new Map<number, string[]>();
  contributions.set(outputTensor.id, [
    rank4 ? transpose(graph, dFeaturesName, toChannelsFirst, 'd_features_nchw') : dFeaturesName,
  ]);
  const weightGradients = new Map<tfl.LayerVariable, string>();
  for (const record of [...records].reverse()) {
    const { node, layer } = record;
    if (!node.outputTensors.some((tensor) => dependsOnTrainable.get(tensor.id))) continue;
    const outputGradients = node.outputTensors.map((tensor, index) => {
      const parts = contributions.get(tensor.id);
      if (parts === undefined || parts.length === 0) return undefined;
      if (parts.length === 1) return parts[0] as string;
      return graph.add({
        opType: 'Sum',
        inputs: parts,
        name: `${layer.name}_output_${index}_grad_sum`,
      });
    });
    if (outputGradients.some((gradient) => gradient === undefined)) continue;
    const shortNameOf = (weight: tfl.LayerVariable) =>
      weight.originalName.slice(weight.originalName.lastIndexOf('/') + 1);
    const wanted = new Map(
      layer.weights
        .filter((weight) => requested.has(weight))
        .map((weight) => [shortNameOf(weight), weight]),
    );
    const backward = record.training.backward({
      layer,
      config: record.config,
      inputs: record.inputs,
      ...(record.inputPads !== undefined ? { inputPads: record.inputPads } : {}),
      outputShapes: record.outputShapes,
      graph,
      training: record.isTraining,
      weight: (shortName) => weightInput(layer, shortName, record.weightInputs, weightNames, graph),
      statistic: () => {
        throw new Error(`${layer.name}: statistics are reported by the forward pass`);
      },
      forward: record.result,
      outputGradients: outputGradients as string[],
      inputNeedsGradient: node.inputTensors.map(
        (tensor) => dependsOnTrainable.get(tensor.id) === true,
      ),
      weightNeedsGradient: (shortName) => wanted.has(shortName),
    });
    backward.inputGradients.forEach((gradient, index) => {
      const tensor = node.inputTensors[index];
      if (gradient === undefined || tensor === undefined) return;
      const list = contributions.get(tensor.id) ?? [];
      list.push(gradient);
      contributions.set(tensor.id, list);
    });
    for (const [shortName, weight] of wanted) {
      const gradient = backward.weightGradients?.[shortName];
      if (gradient === undefined) {
        throw new Error(
          `${layer.name}: the ${layer.getClassName()} training layer gave no gradient for ${shortName}`,
        );
      }
      weightGradients.set(weight, gradient);
    }
  }
  const gradients = options.variables.map((variable) => weightGradients.get(variable));

  // Split the node list into the two models.
  const forwardNodes = graph.nodes.slice(0, forwardNodeCount);
  const backwardNodes = graph.nodes.slice(forwardNodeCount);
  const producedByForward = new Set(forwardNodes.flatMap((node) => node.output));
  const producedByBackward = new Set(backwardNodes.flatMap((node) => node.output));
  const initializerNames = new Set(graph.initializers.map((initializer) => initializer.name));
  const backwardReads = new Set(backwardNodes.flatMap((node) => node.input));
  const saved = [...backwardReads].filter(
    (name) => producedByForward.has(name) && !producedByBackward.has(name),
  );
  const pick = (names: Set<string>) =>
    new Map([...weightNames].filter(([name]) => names.has(name)));
  const forwardReads = new Set(forwardNodes.flatMap((node) => node.input));
  const forwardWeights = pick(forwardReads);
  const backwardWeights = pick(backwardReads);
  const weightInfo = (weights: Map<string, tfl.LayerVariable>) =>
    [...weights].map(([name, weight]) =>
      valueInfo(name, onnxDataType.float, weight.shape as number[]),
    );
  const typeOf = (name: string) =>
    int64Values.has(name) ? onnxDataType.int64 : onnxDataType.float;
  const imageShape = inputTensor.shape.map((size) => size ?? -1);
  const featureShape = outputTensor.shape.map((size) => size ?? -1);

  const forward = encodeModel({
    name: `${model.name}_training_forward`,
    nodes: forwardNodes,
    initializers: graph.initializers.filter((initializer) => forwardReads.has(initializer.name)),
    inputs: [valueInfo(images, onnxDataType.float, imageShape), ...weightInfo(forwardWeights)],
    outputs: [
      valueInfo(featuresName, onnxDataType.float, featureShape),
      ...statistics.flatMap((statistic) => [
        valueInfo(statistic.mean, onnxDataType.float),
        valueInfo(statistic.variance, onnxDataType.float),
      ]),
      ...saved.map((name) => valueInfo(name, typeOf(name))),
    ],
  });
  const backward = encodeModel({
    name: `${model.name}_training_backward`,
    nodes: backwardNodes,
    initializers: graph.initializers.filter(
      (initializer) =>
        backwardReads.has(initializer.name) && initializerNames.has(initializer.name),
    ),
    inputs: [
      valueInfo(dFeaturesName, onnxDataType.float, featureShape),
      ...weightInfo(backwardWeights),
      ...saved.map((name) => valueInfo(name, typeOf(name))),
    ],
    outputs: [...new Set(gradients.filter((name): name is string => name !== undefined))].map(
      (name) => valueInfo(name, onnxDataType.float),
    ),
  });
  return { forward, backward, forwardWeights, backwardWeights, saved, statistics, gradients };
}

/** A folded zero padding: its output is its input, its gradient passes through. */
const passThrough: TrainingLayer = {
  forward: ({ inputs }) => ({ outputs: [inputs[0]?.name as string] }),
  backward: ({ outputGradients, inputNeedsGradient }) => ({
    inputGradients: [inputNeedsGradient[0] ? outputGradients[0] : undefined],
  }),
};

/**
 * Zero paddings whose one consumer takes them as its own pads (`foldsInputPadding`), e.g.
 * MobileNetV2's `block_N_pad` before a strided depthwise convolution.
 */
function foldablePaddings(nodes: readonly GraphNode[], model: tfl.LayersModel) {
  const registry = trainingLayerRegistry();
  const consumers = new Map<number, GraphNode[]>();
  for (const node of nodes) {
    for (const tensor of node.inputTensors) {
      consumers.set(tensor.id, [...(consumers.get(tensor.id) ?? []), node]);
    }
  }
  const outputs = new Set(model.outputs.map((tensor) => tensor.id));
  const byPadding = new Map<GraphNode, readonly [number, number, number, number]>();
  const byConsumer = new Map<GraphNode, readonly [number, number, number, number]>();
  const sources = new Map<GraphNode, tfl.SymbolicTensor>();
  for (const node of nodes) {
    const pads = registry
      .get(node.outboundLayer.getClassName())
      .paddingOnly?.(node.outboundLayer.getConfig() as Config);
    const output = node.outputTensors[0];
    const source = node.inputTensors[0];
    if (pads === undefined || output === undefined || source === undefined) continue;
    if (node.outputTensors.length !== 1 || outputs.has(output.id)) continue;
    const users = consumers.get(output.id) ?? [];
    const consumer = users[0];
    if (users.length !== 1 || consumer === undefined) continue;
    if (consumer.inputTensors.length !== 1 || byConsumer.has(consumer)) continue;
    const layer = consumer.outboundLayer;
    const accepts = registry
      .get(layer.getClassName())
      .foldsInputPadding?.(layer.getConfig() as Config);
    if (accepts !== true) continue;
    byPadding.set(node, pads);
    byConsumer.set(consumer, pads);
    sources.set(consumer, source);
  }
  return { byPadding, byConsumer, sources };
}

/** The graph input of `layer`'s weight `shortName`, declared on first use. */
function weightInput(
  layer: tfl.layers.Layer,
  shortName: string,
  perLayer: Map<string, string>,
  all: Map<string, tfl.LayerVariable>,
  graph: OnnxGraphBuilder,
): string {
  const known = perLayer.get(shortName);
  if (known !== undefined) return known;
  const weight = layer.weights.find(
    (candidate) =>
      candidate.originalName.slice(candidate.originalName.lastIndexOf('/') + 1) === shortName,
  );
  if (weight === undefined) {
    throw new Error(
      `${layer.name} has no weight ${shortName} (it has ${layer.weights.map((w) => w.originalName).join(', ')})`,
    );
  }
  const name = graph.uniqueName(`weight_${all.size}`);
  all.set(name, weight);
  perLayer.set(shortName, name);
  return name;
}

function valueInfo(
  name: string,
  elemType: number,
  shape?: readonly number[],
): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(shape
          ? {
              shape: {
                dim: shape.map((size, axis) =>
                  size < 0
                    ? { dimParam: axis === 0 ? 'batch' : `${name}_dim${axis}` }
                    : { dimValue: size },
                ),
              },
            }
          : {}),
      },
    },
  };
}

function encodeModel(options: {
  name: string;
  nodes: OnnxGraphBuilder['nodes'];
  initializers: OnnxGraphBuilder['initializers'];
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
}): Uint8Array {
  const ModelProto = onnxMessageType('ModelProto');
  // Opset 17 (IR 8): ScatterElements' `reduction: add` needs ≥ 16.
  const message = ModelProto.fromObject({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'graft',
    graph: {
      name: options.name,
      node: options.nodes,
      initializer: options.initializers,
      input: options.inputs,
      output: options.outputs,
    },
  });
  return ModelProto.encode(message).finish();
}
