import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';
import { onnxMessageType } from '../proto/onnx-schema.js';

/** A graph input/output declaration; a negative size is a named free dimension. */
export function valueInfo(
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

/** One ONNX model of a training step (opset 17). */
export function encodeModel(options: {
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
