import { InvalidArgumentError } from '@graft/core';
import { onnxDataType, onnxMessageType } from '../proto/onnx-schema.js';
import { type DecodedInitializer, floatValues } from './int8-tensor-values.js';

export interface DecodedAttribute {
  name?: string;
  type?: number;
  i?: number;
}

export interface DecodedNode {
  name?: string;
  opType?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: DecodedAttribute[];
}

export interface DecodedValueInfo {
  name?: string;
  type?: unknown;
}

export interface DecodedModel {
  opsetImport?: Array<{ domain?: string; version?: number }>;
  graph?: {
    node?: DecodedNode[];
    initializer?: DecodedInitializer[];
    input?: DecodedValueInfo[];
    output?: DecodedValueInfo[];
  };
}

/**
 * Operators whose activation inputs get QuantizeLinear → DequantizeLinear, so that ONNX Runtime
 * fuses each with its neighbours' Q/DQ into an integer kernel (QLinearConv, QGemm, QLinearAdd,
 * QLinearGlobalAveragePool) or drops the pair around a data-movement op.
 */
const quantizedOperators = new Set([
  'Conv',
  'Gemm',
  'Add',
  'GlobalAveragePool',
  'AveragePool',
  'MaxPool',
  'Transpose',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
]);

/**
 * Operators whose output is its input rearranged (or a subset of its values): ONNX Runtime drops
 * their Q/DQ pairs only when input and output share one scale and zero point, so the output
 * takes its input's range instead of a calibrated one.
 */
const sameScaleOperators = new Set([
  'Transpose',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'MaxPool',
]);

/** How a graph is quantized: decided from the float graph alone, so calibration and the final
 * rewrite agree on it. */
export interface QdqGraphPlan {
  /** The decoded model, its Relu/Clip(0, …) nodes after Conv/Gemm/Add removed (see below). */
  model: DecodedModel;
  /** Float activations that get QuantizeLinear → DequantizeLinear, in graph order. */
  quantizedTensors: string[];
  /** Each quantized tensor → the tensor whose range (scale, zero point) it uses (often itself). */
  rangeOwners: Map<string, string>;
  /** Tensors whose range calibration must observe (graph inputs included). */
  calibratedTensors: string[];
  /** Nodes whose activation inputs read the dequantized tensors. */
  quantizedNodes: Set<DecodedNode>;
  /** Initializers by name. */
  initializers: Map<string, DecodedInitializer>;
  /** Graph input names. */
  graphInputs: Set<string>;
  /** Relu/Clip nodes folded into their producer's output quantization. */
  foldedActivations: number;
}

/** Decodes a serialized ModelProto, failing with the argument named. */
export function decodeOnnxModel(bytes: Uint8Array, argument: string): DecodedModel {
  const ModelProto = onnxMessageType('ModelProto');
  let model: DecodedModel;
  try {
    model = ModelProto.toObject(ModelProto.decode(bytes), {
      longs: Number,
      defaults: false,
    }) as DecodedModel;
  } catch (error) {
    throw new InvalidArgumentError({
      argument,
      value: `${bytes.length} bytes`,
      expected: 'must be a serialized ONNX ModelProto',
      cause: error,
    });
  }
  const opset = model.opsetImport?.find((entry) => (entry.domain ?? '') === '')?.version ?? 0;
  if (model.graph === undefined || opset < 13) {
    throw new InvalidArgumentError({
      argument,
      value: `opset ${opset}`,
      expected:
        'must be an ONNX model with a graph at opset 13 or later (per-axis DequantizeLinear)',
    });
  }
  return model;
}

/** Encodes a decoded model again. */
export function encodeOnnxModel(model: DecodedModel): Uint8Array {
  const ModelProto = onnxMessageType('ModelProto');
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/**
 * Plans static QDQ quantization the way ONNX Runtime's own quantizer lays a CPU model out:
 * - a Relu, or a Clip whose lower bound is 0 (ReLU6), whose input comes only from a Conv, Gemm
 *   or Add is removed, and the producer writes its output directly: the output is quantized with
 *   the activation's calibrated range, whose lower end is 0 (zero point 0), so uint8 saturation
 *   does the clipping (ORT's quantizer does the same; it lets QLinearConv write uint8 directly);
 * - every float activation read by a quantized operator (see `quantizedOperators`) gets one Q/DQ
 *   pair, shared by all its quantized readers; other readers (Softmax, graph outputs) keep float;
 * - Add is quantized only when both inputs are activations (a constant addend stays float).
 */
export function planQdqGraph(bytes: Uint8Array, argument = 'model'): QdqGraphPlan {
  const model = decodeOnnxModel(bytes, argument);
  const graph = model.graph as NonNullable<DecodedModel['graph']>;
  const initializers = new Map(
    (graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor] as const),
  );
  const graphInputs = new Set(
    (graph.input ?? []).map((input) => input.name ?? '').filter((name) => !initializers.has(name)),
  );
  const graphOutputs = new Set((graph.output ?? []).map((output) => output.name ?? ''));
  let nodes = graph.node ?? [];
  const isQuantizedNode = (node: DecodedNode) => {
    if ((node.domain ?? '') !== '' || !quantizedOperators.has(node.opType ?? '')) return false;
    if (node.opType === 'Add') {
      const inputs = node.input ?? [];
      return inputs.length === 2 && inputs.every((input) => !initializers.has(input));
    }
    // Conv and Gemm need a constant weight to store as int8.
    if (node.opType === 'Conv' || node.opType === 'Gemm') {
      const weight = initializers.get(node.input?.[1] ?? '');
      return weight !== undefined && floatValues(weight) !== undefined;
    }
    return true;
  };
  const consumersOf = (list: DecodedNode[]) => {
    const consumers = new Map<string, DecodedNode[]>();
    for (const node of list) {
      for (const input of node.input ?? []) {
        consumers.set(input, [...(consumers.get(input) ?? []), node]);
      }
    }
    return consumers;
  };

  // Fold Relu/Clip(0, …) into the quantization of their producer's output.
  let consumers = consumersOf(nodes);
  const producers = new Map<string, DecodedNode>();
  for (const node of nodes) for (const output of node.output ?? []) producers.set(output, node);
  const removed = new Set<DecodedNode>();
  for (const node of nodes) {
    if (!isFoldableActivation(node, initializers)) continue;
    const input = node.input?.[0] ?? '';
    const output = node.output?.[0] ?? '';
    const producer = producers.get(input);
    const readers = consumers.get(output) ?? [];
    if (
      producer === undefined ||
      !['Conv', 'Gemm', 'Add'].includes(producer.opType ?? '') ||
      !isQuantizedNode(producer) ||
      (consumers.get(input) ?? []).length !== 1 ||
      graphOutputs.has(input) ||
      graphOutputs.has(output) ||
      readers.length === 0 ||
      !readers.every(isQuantizedNode)
    ) {
      continue;
    }
    producer.output = (producer.output ?? []).map((name) => (name === input ? output : name));
    removed.add(node);
  }
  nodes = nodes.filter((node) => !removed.has(node));
  graph.node = nodes;
  consumers = consumersOf(nodes);

  const quantizedNodes = new Set(nodes.filter(isQuantizedNode));
  const quantizedTensors: string[] = [];
  const rangeOwners = new Map<string, string>();
  const isActivation = (name: string) => name !== '' && !initializers.has(name);
  const quantize = (name: string, owner: string) => {
    if (rangeOwners.has(name)) return;
    rangeOwners.set(name, owner);
    quantizedTensors.push(name);
  };
  const readByQuantizedNode = (name: string) =>
    (consumers.get(name) ?? []).some(
      (node) => quantizedNodes.has(node) && activationInputs(node).includes(name),
    );
  for (const name of graphInputs) if (readByQuantizedNode(name)) quantize(name, name);
  for (const node of nodes) {
    for (const output of node.output ?? []) {
      if (!isActivation(output) || !readByQuantizedNode(output)) continue;
      const input = node.input?.[0] ?? '';
      const sharesScale =
        quantizedNodes.has(node) &&
        sameScaleOperators.has(node.opType ?? '') &&
        rangeOwners.has(input);
      quantize(output, sharesScale ? (rangeOwners.get(input) as string) : output);
    }
  }
  // A quantized node's activation inputs must all be quantized; a float producer we could not
  // see (none in practice) would leave the node reading float, which ORT runs unfused.
  const calibratedTensors = quantizedTensors.filter((name) => rangeOwners.get(name) === name);
  return {
    model,
    quantizedTensors,
    rangeOwners,
    calibratedTensors,
    quantizedNodes,
    initializers,
    graphInputs,
    foldedActivations: removed.size,
  };
}

/** The inputs of a quantized node that are activations (not its weight or bias). */
export function activationInputs(node: DecodedNode): string[] {
  const inputs = node.input ?? [];
  if (node.opType === 'Conv' || node.opType === 'Gemm') return inputs.slice(0, 1);
  if (node.opType === 'Add') return inputs.slice(0, 2);
  // Reshape's shape, Squeeze/Unsqueeze's axes: int64 constants, not quantized.
  return inputs.slice(0, 1);
}

/** Relu, or Clip with a constant lower bound of exactly 0 (ReLU6). */
function isFoldableActivation(
  node: DecodedNode,
  initializers: Map<string, DecodedInitializer>,
): boolean {
  if ((node.domain ?? '') !== '') return false;
  if (node.opType === 'Relu') return true;
  if (node.opType !== 'Clip') return false;
  const low = initializers.get(node.input?.[1] ?? '');
  const values = low === undefined ? undefined : floatValues(low);
  return values !== undefined && values.length === 1 && values[0] === 0;
}

/** `TensorProto.DataType` values used by the QDQ rewrite. */
export const qdqDataType = { float: onnxDataType.float, uint8: 2, int8: 3, int32: 6 } as const;
