import { InvalidArgumentError } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type GraphNode, topologicalNodes } from '../convert/convert-layers.js';
import type { OnnxValue } from '../convert/layer-converter.js';
import { toChannelsFirst, toChannelsLast } from '../convert/layout.js';
import { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';
import { onnxDataType } from '../proto/onnx-schema.js';
import { findUntrainableLayer } from './find-untrainable-layer.js';
import { foldablePaddings, passThrough } from './fold-zero-padding.js';
import { transpose } from './graph-operations.js';
import type {
  BatchStatisticOutputs,
  TrainingGraphOptions,
  TrainingGraphs,
} from './training-graphs.js';
import type { ForwardResult, TrainingLayer } from './training-layer.js';
import { trainingLayerRegistry } from './training-layer-registry.js';
import { encodeModel, valueInfo } from './training-model-proto.js';
import { weightInput } from './weight-input.js';

export { findUntrainableLayer } from './find-untrainable-layer.js';
export type {
  BatchStatisticOutputs,
  TrainingGraphOptions,
  TrainingGraphs,
} from './training-graphs.js';

type Config = Record<string, unknown>;

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
