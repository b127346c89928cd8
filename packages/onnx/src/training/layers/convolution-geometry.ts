import type * as tfl from '@tensorflow/tfjs-layers';
import { channelsLastOnly, paddingMode, pairOf, windowPads } from '../../convert/layout.js';
import type { OnnxGraphBuilder } from '../../graph/onnx-graph-builder.js';
import { reduceSum } from '../graph-operations.js';
import type { TrainingBackward, TrainingForward } from '../training-layer.js';

/** Geometry of one convolution call, from its config and input shape. */
export interface Geometry {
  kernel: [number, number];
  strides: [number, number];
  /** ONNX `[top, left, bottom, right]`. */
  pads: [number, number, number, number];
  /** Input `[H, W, C]` and output `[Hy, Wy, O]` (tfjs order). */
  input: [number, number, number];
  output: [number, number, number];
}

export function checkConvolution(
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

export function geometry(context: TrainingForward): Geometry {
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

export function convolutionForward(context: TrainingForward, onnxKernel: string, group: number) {
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
export function transposedConvolution(
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
export function biasGradient(context: TrainingBackward, gradient: string): Record<string, string> {
  if (context.config.useBias !== true || !context.weightNeedsGradient('bias')) return {};
  return {
    bias: reduceSum(context.graph, gradient, [0, 2, 3], false, `${context.layer.name}_bias_grad`),
  };
}
