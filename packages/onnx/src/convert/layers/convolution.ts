import type { LayerConversion, LayerConverter, LayerWeight } from '../layer-converter.js';
import { channelsLastOnly, padAttributes, paddingMode, pairOf, windowPads } from '../layout.js';

type Config = Record<string, unknown>;

/** tfjs Conv2D kernel `[kh, kw, in, out]` → ONNX Conv weight `[out, in, kh, kw]`. */
export function convolutionWeight(kernel: LayerWeight): { values: Float32Array; dims: number[] } {
  const [height, width, inputs, outputs] = kernel.shape as [number, number, number, number];
  const values = new Float32Array(kernel.values.length);
  let source = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let input = 0; input < inputs; input++) {
        for (let output = 0; output < outputs; output++) {
          values[((output * inputs + input) * height + y) * width + x] = kernel.values[
            source++
          ] as number;
        }
      }
    }
  }
  return { values, dims: [outputs, inputs, height, width] };
}

/**
 * tfjs depthwise kernel `[kh, kw, in, multiplier]` → ONNX grouped Conv weight
 * `[in·multiplier, 1, kh, kw]` (group = in): tfjs output channel `c·multiplier + m` is ONNX
 * group `c`'s output `m`, the same order.
 */
export function depthwiseWeight(kernel: LayerWeight): { values: Float32Array; dims: number[] } {
  const [height, width, channels, multiplier] = kernel.shape as [number, number, number, number];
  const values = new Float32Array(kernel.values.length);
  let source = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let channel = 0; channel < channels; channel++) {
        for (let index = 0; index < multiplier; index++) {
          values[((channel * multiplier + index) * height + y) * width + x] = kernel.values[
            source++
          ] as number;
        }
      }
    }
  }
  return { values, dims: [channels * multiplier, 1, height, width] };
}

interface ConvolutionPlan {
  kind: 'conv2d' | 'depthwise';
  kernel: LayerWeight;
  bias: LayerWeight | undefined;
  strides: [number, number];
  dilations: [number, number];
  /** `[top, left, bottom, right]`, or undefined for SAME_UPPER at run time. */
  pads: [number, number, number, number] | undefined;
  activation: string;
}

/** Adds the Conv node (+ activation) of a planned convolution. */
function emitConvolution(conversion: LayerConversion, plan: ConvolutionPlan): string[] {
  const { graph, layer } = conversion;
  const input = conversion.inputs[0];
  if (input === undefined) throw new Error(`${layer.name}: no input`);
  const weight =
    plan.kind === 'conv2d' ? convolutionWeight(plan.kernel) : depthwiseWeight(plan.kernel);
  const inputs = [
    input.name,
    graph.addFloatTensor(`${layer.name}_weight`, weight.values, weight.dims),
  ];
  if (plan.bias !== undefined) {
    inputs.push(
      graph.addFloatTensor(`${layer.name}_bias`, plan.bias.values, [plan.bias.values.length]),
    );
  }
  const kernelShape = weight.dims.slice(2);
  const convolution = graph.add({
    opType: 'Conv',
    inputs,
    name: plan.activation === 'linear' ? layer.name : `${layer.name}_conv`,
    attributes: {
      kernel_shape: kernelShape,
      strides: plan.strides,
      dilations: plan.dilations,
      group: plan.kind === 'depthwise' ? (plan.kernel.shape[2] as number) : 1,
      ...padAttributes(plan.pads),
    },
  });
  const outputShape = conversion.outputShapes[0] ?? input.shape;
  return [
    conversion.activation(plan.activation, { name: convolution, shape: outputShape }, layer.name),
  ];
}

/**
 * The layer's weight `name` from `weights` (`conversion.weights()`, read once per layer: each
 * call copies every weight of the layer out of the backend).
 */
function requiredWeight(
  conversion: LayerConversion,
  weights: ReadonlyMap<string, LayerWeight>,
  name: string,
): LayerWeight {
  const weight = weights.get(name);
  if (weight === undefined) {
    throw new Error(`${conversion.layer.name}: weight ${name} not found`);
  }
  return weight;
}

function checkTfjsConvolution(config: Config): string | undefined {
  const format = channelsLastOnly(config);
  if (format !== undefined) return format;
  if (config.padding !== 'same' && config.padding !== 'valid') {
    return `padding ${JSON.stringify(config.padding)} (only same and valid are supported)`;
  }
  return undefined;
}

function tfjsPlan(conversion: LayerConversion, kind: 'conv2d' | 'depthwise'): ConvolutionPlan {
  const { config } = conversion;
  const input = conversion.inputs[0];
  if (input === undefined) throw new Error(`${conversion.layer.name}: no input`);
  const weights = conversion.weights();
  const kernel = requiredWeight(
    conversion,
    weights,
    kind === 'conv2d' ? 'kernel' : 'depthwise_kernel',
  );
  const strides = pairOf(config.strides, 'strides');
  const dilations = pairOf(config.dilationRate ?? 1, 'dilationRate');
  const bias = config.useBias === false ? undefined : requiredWeight(conversion, weights, 'bias');
  return {
    kind,
    kernel,
    bias,
    strides,
    dilations,
    pads: windowPads({
      padding: paddingMode(config),
      inputShape: input.shape,
      kernel: [kernel.shape[0] as number, kernel.shape[1] as number],
      strides,
      dilations,
    }),
    activation: String(config.activation ?? 'linear'),
  };
}

/** tfjs `Conv2D` → ONNX `Conv` (NCHW) + its activation. */
export const conv2dConverter: LayerConverter = {
  check: (_layer, config) => checkTfjsConvolution(config),
  convert: (conversion) => emitConvolution(conversion, tfjsPlan(conversion, 'conv2d')),
};

/** tfjs `DepthwiseConv2D` → ONNX `Conv` with `group` = input channels. */
export const depthwiseConv2dConverter: LayerConverter = {
  check: (_layer, config) => checkTfjsConvolution(config),
  convert: (conversion) => emitConvolution(conversion, tfjsPlan(conversion, 'depthwise')),
};

/**
 * `@graft/backbones`' `GraftFusedConvolution` (convolution with BatchNorm folded in, bias and
 * activation in one kernel; built by `inferenceModel()`) → ONNX `Conv` + activation. Its padding
 * is `same`, `valid` or explicit `[[top, bottom], [left, right]]`.
 */
export const fusedConvolutionConverter: LayerConverter = {
  check: (_layer, config) => {
    if (config.kind !== 'conv2d' && config.kind !== 'depthwise') {
      return `kind ${JSON.stringify(config.kind)} (conv2d or depthwise)`;
    }
    const padding = config.padding;
    if (padding === 'same' || padding === 'valid' || explicitPadding(padding) !== undefined) {
      return undefined;
    }
    return `padding ${JSON.stringify(padding)}`;
  },
  convert: (conversion) => {
    const { config } = conversion;
    const input = conversion.inputs[0];
    if (input === undefined) throw new Error(`${conversion.layer.name}: no input`);
    const kind = config.kind as 'conv2d' | 'depthwise';
    const weights = conversion.weights();
    const kernel = requiredWeight(conversion, weights, 'kernel');
    const strides = pairOf(config.strides, 'strides');
    const dilations = pairOf(config.dilationRate ?? 1, 'dilationRate');
    const explicit = explicitPadding(config.padding);
    const pads =
      explicit ??
      windowPads({
        padding: paddingMode(config),
        inputShape: input.shape,
        kernel: [kernel.shape[0] as number, kernel.shape[1] as number],
        strides,
        dilations,
      });
    return emitConvolution(conversion, {
      kind,
      kernel,
      bias: requiredWeight(conversion, weights, 'bias'),
      strides,
      dilations,
      pads,
      activation: String(config.activation ?? 'linear'),
    });
  },
};

/** `[[top, bottom], [left, right]]` → ONNX `[top, left, bottom, right]`. */
function explicitPadding(padding: unknown): [number, number, number, number] | undefined {
  if (!Array.isArray(padding) || padding.length !== 2) return undefined;
  const [vertical, horizontal] = padding as unknown[];
  if (!Array.isArray(vertical) || !Array.isArray(horizontal)) return undefined;
  const values = [vertical[0], horizontal[0], vertical[1], horizontal[1]];
  if (!values.every((value) => Number.isInteger(value))) return undefined;
  return values as [number, number, number, number];
}
