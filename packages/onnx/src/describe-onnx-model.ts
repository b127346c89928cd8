import { InvalidArgumentError } from '@graft/core';
import { onnxMessageType } from './proto/onnx-schema.js';

/** An input or output of an ONNX graph: name and shape (symbolic dimensions by name). */
export interface OnnxTensorDescription {
  /** Value name, what an ONNX Runtime session's `inputNames`/`outputNames` list. */
  name: string;
  /** Dimensions: a number, or the symbolic name (e.g. `batch`). */
  shape: Array<number | string>;
}

/** What {@link describeOnnxModel} reads from a serialized model. */
export interface OnnxModelDescription {
  /** `ir_version`. */
  irVersion: number;
  /** Opset of the default (`ai.onnx`) domain. */
  opsetVersion: number | undefined;
  /** `producer_name`. */
  producerName: string;
  /** `producer_version`. */
  producerVersion: string;
  /** Graph name. */
  graphName: string;
  /** Graph inputs (initializers excluded). */
  inputs: OnnxTensorDescription[];
  /** Graph outputs. */
  outputs: OnnxTensorDescription[];
  /** `metadata_props` as a record. */
  metadata: Record<string, string>;
  /** How many nodes of each operator the graph has. */
  operators: Record<string, number>;
}

interface DecodedValueInfo {
  name?: string;
  type?: { tensorType?: { shape?: { dim?: Array<{ dimValue?: number; dimParam?: string }> } } };
}

interface DecodedModel {
  irVersion?: number;
  opsetImport?: Array<{ domain?: string; version?: number }>;
  producerName?: string;
  producerVersion?: string;
  metadataProps?: Array<{ key?: string; value?: string }>;
  graph?: {
    name?: string;
    node?: Array<{ opType?: string }>;
    initializer?: Array<{ name?: string }>;
    input?: DecodedValueInfo[];
    output?: DecodedValueInfo[];
  };
}

/**
 * Parses a serialized ONNX model (any producer) with the official schema and summarises its
 * interface: IR and opset versions, input/output names and shapes, metadata, operator counts.
 * Throws an `InvalidArgumentError` when `bytes` is not an ONNX model.
 */
export function describeOnnxModel(bytes: Uint8Array): OnnxModelDescription {
  const ModelProto = onnxMessageType('ModelProto');
  let model: DecodedModel;
  try {
    model = ModelProto.toObject(ModelProto.decode(bytes), {
      // Bytes (the weights) stay the decoded buffers: copying them into arrays would be slow.
      longs: Number,
      defaults: false,
    }) as DecodedModel;
  } catch (error) {
    throw new InvalidArgumentError({
      argument: 'bytes',
      value: `${bytes.length} bytes`,
      expected: 'must be a serialized ONNX ModelProto',
      cause: error,
    });
  }
  if (model.graph === undefined) {
    throw new InvalidArgumentError({
      argument: 'bytes',
      value: `${bytes.length} bytes`,
      expected: 'must be a serialized ONNX ModelProto with a graph',
    });
  }
  const initializers = new Set((model.graph.initializer ?? []).map((tensor) => tensor.name));
  const describe = (info: DecodedValueInfo): OnnxTensorDescription => ({
    name: info.name ?? '',
    shape: (info.type?.tensorType?.shape?.dim ?? []).map(
      (dim) => dim.dimParam ?? dim.dimValue ?? '?',
    ),
  });
  const operators: Record<string, number> = {};
  for (const node of model.graph.node ?? []) {
    const opType = node.opType ?? '';
    operators[opType] = (operators[opType] ?? 0) + 1;
  }
  return {
    irVersion: model.irVersion ?? 0,
    opsetVersion: model.opsetImport?.find((entry) => (entry.domain ?? '') === '')?.version,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    graphName: model.graph.name ?? '',
    inputs: (model.graph.input ?? []).filter((info) => !initializers.has(info.name)).map(describe),
    outputs: (model.graph.output ?? []).map(describe),
    metadata: Object.fromEntries(
      (model.metadataProps ?? []).map((entry) => [entry.key ?? '', entry.value ?? '']),
    ),
    operators,
  };
}
