import type { OnnxGraphBuilder } from '../../graph/onnx-graph-builder.js';
import { reduceSum, reshape, slice, transpose } from '../graph-operations.js';
import type { Geometry } from './convolution-geometry.js';

/**
 * Filter gradient of a dense convolution, `[kh, kw, I, O]` (tfjs layout). A 1x1 convolution is a
 * matrix product per image (summed over the batch); any other is the correlation of the input
 * with the output gradient, batch and channels swapped, the stride as dilation.
 */
export function denseFilterGradient(
  graph: OnnxGraphBuilder,
  input: string,
  gradient: string,
  g: Geometry,
  name: string,
): string {
  const [, , inChannels] = g.input;
  const [, , outChannels] = g.output;
  const pointwise = g.kernel[0] === 1 && g.kernel[1] === 1 && g.pads.every((pad) => pad === 0);
  if (pointwise) {
    const strided =
      g.strides[0] === 1 && g.strides[1] === 1
        ? input
        : slice(
            graph,
            input,
            { starts: [0, 0], ends: g.input.slice(0, 2), axes: [2, 3], steps: g.strides },
            `${name}_strided`,
          );
    const rows = reshape(graph, strided, [0, inChannels, -1], `${name}_input_rows`);
    const gradients = reshape(graph, gradient, [0, outChannels, -1], `${name}_gradient_rows`);
    // Transpose whichever side has fewer channels.
    if (inChannels <= outChannels) {
      const rowsT = transpose(graph, rows, [0, 2, 1], `${name}_input_t`);
      const product = graph.add({
        opType: 'MatMul',
        inputs: [gradients, rowsT],
        name: `${name}_mm`,
      });
      const summed = reduceSum(graph, product, [0], false, `${name}_sum`);
      return reshape(
        graph,
        transpose(graph, summed, [1, 0], `${name}_io`),
        [1, 1, inChannels, outChannels],
        name,
      );
    }
    const gradientsT = transpose(graph, gradients, [0, 2, 1], `${name}_gradient_t`);
    const product = graph.add({ opType: 'MatMul', inputs: [rows, gradientsT], name: `${name}_mm` });
    const summed = reduceSum(graph, product, [0], false, `${name}_sum`);
    return reshape(graph, summed, [1, 1, inChannels, outChannels], name);
  }
  // [I, O, kh, kw] → tfjs [kh, kw, I, O].
  return transpose(
    graph,
    filterCorrelation(graph, input, gradient, g, 1, name),
    [2, 3, 0, 1],
    name,
  );
}

/**
 * The correlation of the input with the output gradient summed over the batch, cropped to the
 * kernel: one Conv with batch and channels swapped and the stride as dilation. With `group` C
 * (depthwise) each channel correlates only with itself: `[1, C, kh, kw]`; dense: `[I, O, kh, kw]`.
 */
export function filterCorrelation(
  graph: OnnxGraphBuilder,
  input: string,
  gradient: string,
  g: Geometry,
  group: number,
  name: string,
): string {
  const swapped = transpose(graph, input, [1, 0, 2, 3], `${name}_input_cn`);
  const inputT =
    group === 1
      ? swapped
      : reshape(graph, swapped, [1, -1, g.input[0], g.input[1]], `${name}_input_groups`);
  const gradientT = transpose(graph, gradient, [1, 0, 2, 3], `${name}_gradient_cn`);
  const correlation = graph.add({
    opType: 'Conv',
    inputs: [inputT, gradientT],
    name: `${name}_correlation`,
    attributes: {
      kernel_shape: [g.output[0], g.output[1]],
      pads: g.pads,
      dilations: g.strides,
      strides: [1, 1],
      ...(group === 1 ? {} : { group }),
    },
  });
  return cropKernel(graph, correlation, g, name);
}

/** The correlation's window may exceed the kernel by up to stride − 1 rows/columns. */
export function cropKernel(
  graph: OnnxGraphBuilder,
  value: string,
  g: Geometry,
  name: string,
): string {
  const size = [0, 1].map(
    (axis) =>
      (g.input[axis] as number) +
      (g.pads[axis] as number) +
      (g.pads[axis + 2] as number) -
      (g.strides[axis] as number) * ((g.output[axis] as number) - 1),
  );
  if (size[0] === g.kernel[0] && size[1] === g.kernel[1]) return value;
  return slice(graph, value, { starts: [0, 0], ends: g.kernel, axes: [2, 3] }, `${name}_crop`);
}
