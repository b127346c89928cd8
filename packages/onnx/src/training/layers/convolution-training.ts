import { reshape, slice, transpose } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';
import { denseFilterGradient, filterCorrelation } from './convolution-filter-gradients.js';
import {
  biasGradient,
  checkConvolution,
  convolutionForward,
  geometry,
  transposedConvolution,
} from './convolution-geometry.js';

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
