import type * as tfl from '@tensorflow/tfjs-layers';
import { channelsLastOnly, paddingMode, pairOf, windowPads } from '../../convert/layout.js';
import type { OnnxGraphBuilder } from '../../graph/onnx-graph-builder.js';
import { reduceSum, reshape, slice, transpose } from '../graph-operations.js';
import type { TrainingBackward, TrainingForward, TrainingLayer } from '../training-layer.js';

/** Geometry of one convolution call, from its config and input shape. */
interface Geometry {
  kernel: [number, number];
  strides: [number, number];
  /** ONNX `[top, left, bottom, right]`. */
  pads: [number, number, number, number];
  /** Input `[H, W, C]` and output `[Hy, Wy, O]` (tfjs order). */
  input: [number, number, number];
  output: [number, number, number];
}

function checkConvolution(
  layer: tfl.layers.Layer,
  config: Record<string, unknown>,
): string | undefined {
  const layout = channelsLastOnly(config);
  if (layout !== undefined) return layout;
  const dilation = pairOf(config.dilationRate ?? 1, 'dilationRate');
  if (dilation[0] !== 1 || dilation[1] !== 1) return `dilationRate ${dilation} (only 1)`;
  const activation = config.activation ?? 'linear';
  if (activation !== 'linear') return `activation ${String(activation)} (only linear)`;
  if (config.padding !== 'same' && config.padding !== 'valid') {
    return `padding ${String(config.padding)}`;
  }
  void layer;
  return undefined;
}

function geometry(context: TrainingForward): Geometry {
  const { config, inputs, outputShapes, layer } = context;
  const input = inputs[0]?.shape;
  const output = outputShapes[0];
  const known = (shape: tfl.Shape | undefined): shape is number[] =>
    shape?.slice(1).every((size) => typeof size === 'number') === true;
  if (!known(input) || !known(output) || input.length !== 4) {
    throw new Error(`${layer.name}: training graphs need known spatial sizes`);
  }
  const kernel = pairOf(config.kernelSize, 'kernelSize');
  const strides = pairOf(config.strides ?? 1, 'strides');
  const pads =
    context.inputPads !== undefined
      ? ([...context.inputPads] as [number, number, number, number])
      : (windowPads({
          padding: paddingMode(config),
          inputShape: input,
          kernel,
          strides,
          dilations: [1, 1],
        }) as [number, number, number, number]);
  return {
    kernel,
    strides,
    pads,
    input: [input[1] as number, input[2] as number, input[3] as number],
    output: [output[1] as number, output[2] as number, output[3] as number],
  };
}

function convolutionForward(context: TrainingForward, onnxKernel: string, group: number) {
  const { layer, config, graph, inputs } = context;
  const g = geometry(context);
  const nodeInputs = [inputs[0]?.name as string, onnxKernel];
  if (config.useBias === true) nodeInputs.push(context.weight('bias'));
  const output = graph.add({
    opType: 'Conv',
    inputs: nodeInputs,
    name: layer.name,
    attributes: {
      kernel_shape: g.kernel,
      strides: g.strides,
      pads: g.pads,
      dilations: [1, 1],
      group,
    },
  });
  return { outputs: [output], saved: { kernel: onnxKernel } };
}

/** `ConvTranspose` giving the input gradient at exactly the input's spatial size. */
function transposedConvolution(
  graph: OnnxGraphBuilder,
  gradient: string,
  kernel: string,
  g: Geometry,
  group: number,
  name: string,
): string {
  const outputPadding = [0, 1].map((axis) => {
    const produced =
      (g.strides[axis] as number) * ((g.output[axis] as number) - 1) +
      (g.kernel[axis] as number) -
      (g.pads[axis] as number) -
      (g.pads[axis + 2] as number);
    return (g.input[axis] as number) - produced;
  });
  return graph.add({
    opType: 'ConvTranspose',
    inputs: [gradient, kernel],
    name,
    attributes: {
      kernel_shape: g.kernel,
      strides: g.strides,
      pads: g.pads,
      dilations: [1, 1],
      group,
      output_padding: outputPadding,
    },
  });
}

/** Bias gradient: the output gradient summed over batch and space. */
function biasGradient(context: TrainingBackward, gradient: string): Record<string, string> {
  if (context.config.useBias !== true || !context.weightNeedsGradient('bias')) return {};
  return {
    bias: reduceSum(context.graph, gradient, [0, 2, 3], false, `${context.layer.name}_bias_grad`),
  };
}

/**
 * Filter gradient of a dense convolution, `[kh, kw, I, O]` (tfjs layout). A 1x1 convolution is a
 * matrix product per image (summed over the batch); any other is the correlation of the input
 * with the output gradient, batch and channels swapped, the stride as dilation.
 */
function denseFilterGradient(
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
function filterCorrelation(
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
function cropKernel(graph: OnnxGraphBuilder, value: string, g: Geometry, name: string): string {
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

/** tfjs `Conv2D` (channels-last, no dilation, linear activation) for training graphs. */
export const conv2dTraining: TrainingLayer = {
  check: checkConvolution,
  foldsInputPadding: (config) => config.padding === 'valid',
  forward(context) {
    // tfjs [kh, kw, I, O] → ONNX [O, I, kh, kw].
    const kernel = transpose(
      context.graph,
      context.weight('kernel'),
      [3, 2, 0, 1],
      `${context.layer.name}_W`,
    );
    return convolutionForward(context, kernel, 1);
  },
  backward(context) {
    const { graph, layer, inputs } = context;
    const g = geometry(context);
    const gradient = context.outputGradients[0] as string;
    const kernel = context.forward.saved?.kernel as string;
    let inputGradient: string | undefined;
    if (context.inputNeedsGradient[0]) {
      const name = `${layer.name}_input_grad`;
      const pointwise =
        g.kernel[0] === 1 &&
        g.kernel[1] === 1 &&
        g.strides[0] === 1 &&
        g.strides[1] === 1 &&
        g.pads.every((pad) => pad === 0);
      // A 1x1 convolution's input gradient is a matrix product per image: the tfjs kernel
      // [1, 1, I, O] is already the [I, O] matrix it needs.
      inputGradient = pointwise
        ? reshape(
            graph,
            graph.add({
              opType: 'MatMul',
              inputs: [
                reshape(
                  graph,
                  context.weight('kernel'),
                  [g.input[2], g.output[2]],
                  `${name}_kernel`,
                ),
                reshape(graph, gradient, [0, g.output[2], -1], `${name}_rows`),
              ],
              name: `${name}_mm`,
            }),
            [0, g.input[2], g.input[0], g.input[1]],
            name,
          )
        : transposedConvolution(graph, gradient, kernel, g, 1, name);
    }
    const weightGradients: Record<string, string> = biasGradient(context, gradient);
    if (context.weightNeedsGradient('kernel')) {
      weightGradients.kernel = denseFilterGradient(
        graph,
        inputs[0]?.name as string,
        gradient,
        g,
        `${layer.name}_kernel_grad`,
      );
    }
    return { inputGradients: [inputGradient], weightGradients };
  },
};

/** tfjs `DepthwiseConv2D` (depth multiplier 1) for training graphs: a grouped `Conv`. */
export const depthwiseConv2dTraining: TrainingLayer = {
  foldsInputPadding: (config) => config.padding === 'valid',
  check(layer, config) {
    const multiplier = Number(config.depthMultiplier ?? 1);
    if (multiplier !== 1) return `depthMultiplier ${multiplier} (only 1)`;
    return checkConvolution(layer, config);
  },
  forward(context) {
    // tfjs [kh, kw, C, 1] → ONNX [C, 1, kh, kw].
    const kernel = transpose(
      context.graph,
      context.weight('depthwise_kernel'),
      [2, 3, 0, 1],
      `${context.layer.name}_W`,
    );
    return convolutionForward(context, kernel, geometry(context).input[2]);
  },
  backward(context) {
    const { graph, layer, inputs } = context;
    const g = geometry(context);
    const channels = g.input[2];
    const gradient = context.outputGradients[0] as string;
    const kernel = context.forward.saved?.kernel as string;
    let inputGradient: string | undefined;
    if (context.inputNeedsGradient[0]) {
      if (g.strides[0] === 1 && g.strides[1] === 1) {
        // Stride 1: correlate the output gradient with the flipped kernel (a plain depthwise Conv).
        const flipped = slice(
          graph,
          kernel,
          {
            starts: [g.kernel[0] - 1, g.kernel[1] - 1],
            ends: [-1_000_000_000, -1_000_000_000],
            axes: [2, 3],
            steps: [-1, -1],
          },
          `${layer.name}_W_flipped`,
        );
        inputGradient = graph.add({
          opType: 'Conv',
          inputs: [gradient, flipped],
          name: `${layer.name}_input_grad`,
          attributes: {
            kernel_shape: g.kernel,
            strides: [1, 1],
            pads: [
              g.kernel[0] - 1 - g.pads[0],
              g.kernel[1] - 1 - g.pads[1],
              g.kernel[0] - 1 - g.pads[2],
              g.kernel[1] - 1 - g.pads[3],
            ],
            dilations: [1, 1],
            group: channels,
          },
        });
      } else {
        inputGradient = transposedConvolution(
          graph,
          gradient,
          kernel,
          g,
          channels,
          `${layer.name}_input_grad`,
        );
      }
    }
    const weightGradients: Record<string, string> = biasGradient(context, gradient);
    if (context.weightNeedsGradient('depthwise_kernel')) {
      const name = `${layer.name}_kernel_grad`;
      const correlation = filterCorrelation(
        graph,
        inputs[0]?.name as string,
        gradient,
        g,
        channels,
        name,
      );
      // [1, C, kh, kw] → tfjs [kh, kw, C, 1].
      weightGradients.depthwise_kernel = transpose(graph, correlation, [2, 3, 1, 0], name);
    }
    return { inputGradients: [inputGradient], weightGradients };
  },
};
