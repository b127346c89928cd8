import type { OnnxGraphBuilder } from '../graph/onnx-graph-builder.js';

// Small node helpers for opset 17 (ReduceSum takes its axes as an input, ReduceMean as an
// attribute until opset 18), so the training layers read as the maths they implement.

/** `Transpose(value, perm)`. */
export function transpose(
  graph: OnnxGraphBuilder,
  value: string,
  perm: readonly number[],
  name: string,
): string {
  return graph.add({ opType: 'Transpose', inputs: [value], name, attributes: { perm } });
}

/** `Reshape(value, shape)` with a constant shape (`0` copies the input's dim, `-1` infers). */
export function reshape(
  graph: OnnxGraphBuilder,
  value: string,
  shape: readonly number[],
  name: string,
): string {
  const target = graph.addInt64Tensor(`${name}_shape`, shape, [shape.length]);
  return graph.add({ opType: 'Reshape', inputs: [value, target], name });
}

/** `ReduceSum(value, axes)`. */
export function reduceSum(
  graph: OnnxGraphBuilder,
  value: string,
  axes: readonly number[],
  keepDims: boolean,
  name: string,
): string {
  const axesTensor = graph.addInt64Tensor(`${name}_axes`, axes, [axes.length]);
  return graph.add({
    opType: 'ReduceSum',
    inputs: [value, axesTensor],
    name,
    attributes: { keepdims: keepDims ? 1 : 0 },
  });
}

/** `ReduceMean(value, axes)`. */
export function reduceMean(
  graph: OnnxGraphBuilder,
  value: string,
  axes: readonly number[],
  keepDims: boolean,
  name: string,
): string {
  return graph.add({
    opType: 'ReduceMean',
    inputs: [value],
    name,
    attributes: { axes, keepdims: keepDims ? 1 : 0 },
  });
}

/** `Slice(value)` over `axes` from `starts` to `ends` with `steps` (default 1). */
export function slice(
  graph: OnnxGraphBuilder,
  value: string,
  options: {
    starts: readonly number[];
    ends: readonly number[];
    axes: readonly number[];
    steps?: readonly number[];
  },
  name: string,
): string {
  const count = options.axes.length;
  const inputs = [
    value,
    graph.addInt64Tensor(`${name}_starts`, options.starts, [count]),
    graph.addInt64Tensor(`${name}_ends`, options.ends, [count]),
    graph.addInt64Tensor(`${name}_axes`, options.axes, [count]),
  ];
  if (options.steps) inputs.push(graph.addInt64Tensor(`${name}_steps`, options.steps, [count]));
  return graph.add({ opType: 'Slice', inputs, name });
}

/** A binary elementwise op (`Add`, `Sub`, `Mul`, `Div` …) with broadcasting. */
export function binary(
  graph: OnnxGraphBuilder,
  opType: string,
  left: string,
  right: string,
  name: string,
): string {
  return graph.add({ opType, inputs: [left, right], name });
}

/** `[1, C, 1, 1]` view of a per-channel `[C]` vector, to broadcast over NCHW. */
export function perChannel(graph: OnnxGraphBuilder, value: string, name: string): string {
  return reshape(graph, value, [1, -1, 1, 1], name);
}

/** `1 / (rows of value · spatialSize)` as a float scalar computed from the batch dim at run time. */
export function inverseCount(
  graph: OnnxGraphBuilder,
  value: string,
  spatialSize: number,
  name: string,
): string {
  const batch = graph.add({
    opType: 'Shape',
    inputs: [value],
    name: `${name}_batch`,
    attributes: { start: 0, end: 1 },
  });
  const asFloat = graph.add({
    opType: 'Cast',
    inputs: [batch],
    name: `${name}_float`,
    attributes: { to: 1 },
  });
  const count = binary(
    graph,
    'Mul',
    asFloat,
    graph.addFloatScalar(`${name}_spatial`, spatialSize),
    `${name}_count`,
  );
  return graph.add({ opType: 'Reciprocal', inputs: [count], name });
}
