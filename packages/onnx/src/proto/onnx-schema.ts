import protobuf from 'protobufjs';
import { onnxProtoText } from './onnx-proto-text.js';

/** `TensorProto.DataType` values used here. */
export const onnxDataType = { float: 1, int64: 7 } as const;

/** `AttributeProto.AttributeType` values used here. */
export const onnxAttributeType = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

/** The IR version this schema's `Version` enum ends at; the writer's default. */
export const latestIrVersion = 14;

let root: protobuf.Root | undefined;

/**
 * A message type of the official ONNX schema (`ModelProto`, `TensorProto` …). The schema text is
 * parsed once, on first use, so importing the package costs nothing.
 */
export function onnxMessageType(name: string): protobuf.Type {
  root ??= protobuf.parse(onnxProtoText).root;
  return root.lookupType(`onnx.${name}`);
}
