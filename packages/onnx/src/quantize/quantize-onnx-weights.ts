import { InvalidArgumentError } from '@graft/core';
import { onnxAttributeType, onnxDataType, onnxMessageType } from '../proto/onnx-schema.js';
import {
  type DecodedInitializer,
  floatValues,
  littleEndianFloats,
  quantizePerAxis,
} from './int8-tensor-values.js';

/** `TensorProto.DataType.INT8`. */
const int8DataType = 3;

/** Options of {@link quantizeOnnxWeights}. */
export interface QuantizeOnnxWeightsOptions {
  /** A serialized ONNX ModelProto (e.g. `exportClassifierToOnnx(…).model`), opset ≥ 13. */
  model: Uint8Array;
  /**
   * Weights with fewer values stay float32 (their scales would cost about as much as they save).
   * Default 256.
   */
  minimumValues?: number;
}

/** What {@link quantizeOnnxWeights} returns. */
export interface QuantizedOnnxWeights {
  /** The serialized model with int8 weights behind `DequantizeLinear` nodes. */
  model: Uint8Array;
  /** Weight tensors stored as int8. */
  quantizedTensors: number;
  /** Float32 values those tensors held (each now one byte plus a per-channel scale). */
  quantizedValues: number;
  /** Largest |dequantized − float32| over every quantized weight, relative to its channel's max. */
  maxRelativeError: number;
}

interface DecodedAttribute {
  name?: string;
  i?: number;
}

interface DecodedNode {
  opType?: string;
  input?: string[];
  attribute?: DecodedAttribute[];
}

type DecodedTensor = DecodedInitializer;

interface DecodedModel {
  opsetImport?: Array<{ domain?: string; version?: number }>;
  graph?: { node?: DecodedNode[]; initializer?: DecodedTensor[] };
}

/**
 * Post-training weight quantization of an ONNX model: every large float32 weight of a `Conv`
 * (per output channel, axis 0), `Gemm` or `MatMul` (per output column) is stored as
 * symmetric int8 (zero point 0, −127…127, scale = the channel's largest |w| / 127) and turned back
 * into float32 by a `DequantizeLinear` node whose output keeps the weight's name, so the rest of
 * the graph is untouched. This is ONNX Runtime's "QDQ weights" format: activations stay float32,
 * so no calibration data is needed and the model reads the same pixels. Returns the new model;
 * nothing is written to disk and no tensor is created.
 */
export function quantizeOnnxWeights(options: QuantizeOnnxWeightsOptions): QuantizedOnnxWeights {
  const minimumValues = options.minimumValues ?? 256;
  if (!Number.isInteger(minimumValues) || minimumValues < 1) {
    throw new InvalidArgumentError({
      argument: 'minimumValues',
      value: minimumValues,
      expected: 'must be a positive integer',
    });
  }
  const ModelProto = onnxMessageType('ModelProto');
  let model: DecodedModel;
  try {
    model = ModelProto.toObject(ModelProto.decode(options.model), {
      longs: Number,
      defaults: false,
    }) as DecodedModel;
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: `${options.model.length} bytes`,
      expected: 'must be a serialized ONNX ModelProto',
      cause: error,
    });
  }
  const opset = model.opsetImport?.find((entry) => (entry.domain ?? '') === '')?.version ?? 0;
  if (model.graph === undefined || opset < 13) {
    throw new InvalidArgumentError({
      argument: 'model',
      value: `opset ${opset}`,
      expected:
        'must be an ONNX model with a graph at opset 13 or later (per-axis DequantizeLinear)',
    });
  }
  const graph = model.graph;
  const nodes = graph.node ?? [];
  const initializers = graph.initializer ?? [];
  const axes = weightAxes(nodes);
  const taken = new Set<string>([
    ...initializers.map((tensor) => tensor.name ?? ''),
    ...nodes.flatMap((node) => node.input ?? []),
  ]);
  const unique = (base: string) => {
    let name = base;
    for (let index = 1; taken.has(name); index++) name = `${base}_${index}`;
    taken.add(name);
    return name;
  };

  const kept: DecodedTensor[] = [];
  const added: DecodedTensor[] = [];
  const dequantizeNodes: Array<Record<string, unknown>> = [];
  let quantizedTensors = 0;
  let quantizedValues = 0;
  let maxRelativeError = 0;
  for (const tensor of initializers) {
    const name = tensor.name ?? '';
    const dims = tensor.dims ?? [];
    const found = axes.get(name);
    const axis = typeof found === 'number' && found < 0 ? dims.length + found : found;
    const values = axis === undefined ? undefined : floatValues(tensor);
    if (
      axis === undefined ||
      axis === null ||
      values === undefined ||
      values.length < minimumValues ||
      axis < 0 ||
      dims.length <= axis
    ) {
      kept.push(tensor);
      continue;
    }
    const quantized = quantizePerAxis(values, dims, axis);
    maxRelativeError = Math.max(maxRelativeError, quantized.maxRelativeError);
    const channels = quantized.scales.length;
    const valuesName = unique(`${name}_quantized`);
    const scaleName = unique(`${name}_scale`);
    const zeroPointName = unique(`${name}_zero_point`);
    added.push(
      {
        name: valuesName,
        dims,
        dataType: int8DataType,
        rawData: new Uint8Array(quantized.values.buffer),
      },
      {
        name: scaleName,
        dims: [channels],
        dataType: onnxDataType.float,
        rawData: littleEndianFloats(quantized.scales),
      },
      {
        name: zeroPointName,
        dims: [channels],
        dataType: int8DataType,
        rawData: new Uint8Array(channels),
      },
    );
    dequantizeNodes.push({
      name: unique(`${name}_dequantize`),
      opType: 'DequantizeLinear',
      input: [valuesName, scaleName, zeroPointName],
      output: [name],
      attribute: [{ name: 'axis', type: onnxAttributeType.int, i: axis }],
    });
    quantizedTensors++;
    quantizedValues += values.length;
  }
  graph.initializer = [...kept, ...added];
  // The dequantize nodes read only initializers, so they go first: the graph stays sorted.
  graph.node = [...(dequantizeNodes as DecodedNode[]), ...nodes];
  const bytes = ModelProto.encode(ModelProto.fromObject(model)).finish();
  return { model: bytes, quantizedTensors, quantizedValues, maxRelativeError };
}

/**
 * The channel axis of each initializer that is only ever a weight input (`Conv` input 1 → axis 0;
 * `Gemm` input 1 → axis 1, or 0 when `transB`; `MatMul` input 1 → its last axis, −1). `null` marks a
 * tensor also used some other way (or with different axes), which stays float32.
 */
function weightAxes(nodes: DecodedNode[]): Map<string, number | null> {
  const axes = new Map<string, number | null>();
  for (const node of nodes) {
    (node.input ?? []).forEach((input, index) => {
      let axis: number | null = null;
      if (index === 1 && node.opType === 'Conv') axis = 0;
      // The last axis of B is MatMul's output column at any rank.
      if (index === 1 && node.opType === 'MatMul') axis = -1;
      if (index === 1 && node.opType === 'Gemm') {
        const transposed = node.attribute?.find((attribute) => attribute.name === 'transB');
        axis = (transposed?.i ?? 0) === 1 ? 0 : 1;
      }
      const previous = axes.get(input);
      axes.set(input, previous === undefined || previous === axis ? axis : null);
    });
  }
  return axes;
}
