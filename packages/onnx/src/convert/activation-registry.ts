import { type RegisterOptions, Registry } from '@graft/core';
import type { ActivationConverter } from './layer-converter.js';
import { toChannelsFirstAxis } from './layout.js';

const registry = new Registry<ActivationConverter>({ kind: 'ONNX activation converter' });
let builtinsRegistered = false;

// tfjs-core's selu constants (ONNX's defaults are float32-rounded versions of the same numbers).
const seluAlpha = 1.6732632423543772;
const seluScale = 1.0507009873554805;

const unary =
  (opType: string): ActivationConverter =>
  ({ graph, input, name }) =>
    graph.add({ opType, inputs: [input.name], name });

const builtins: Record<string, ActivationConverter> = {
  linear: ({ input }) => input.name,
  relu: unary('Relu'),
  relu6: ({ graph, input, name }) => clip(graph, input.name, name, 0, 6),
  elu: ({ graph, input, name }) =>
    graph.add({
      opType: 'Elu',
      inputs: [input.name],
      name,
      attributes: { alpha: 1 },
      floats: ['alpha'],
    }),
  selu: ({ graph, input, name }) =>
    graph.add({
      opType: 'Selu',
      inputs: [input.name],
      name,
      attributes: { alpha: seluAlpha, gamma: seluScale },
      floats: ['alpha', 'gamma'],
    }),
  sigmoid: unary('Sigmoid'),
  // tfjs: clip(0.2·x + 0.5, 0, 1), ONNX HardSigmoid's defaults.
  hardSigmoid: ({ graph, input, name }) =>
    graph.add({
      opType: 'HardSigmoid',
      inputs: [input.name],
      name,
      attributes: { alpha: 0.2, beta: 0.5 },
      floats: ['alpha', 'beta'],
    }),
  tanh: unary('Tanh'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  // tfjs softmax activations normalise the last (channel) axis.
  softmax: ({ graph, input, name }) =>
    graph.add({
      opType: 'Softmax',
      inputs: [input.name],
      name,
      attributes: { axis: toChannelsFirstAxis(-1, input.shape.length) },
    }),
  swish: ({ graph, input, name }) => {
    const sigmoid = graph.add({ opType: 'Sigmoid', inputs: [input.name], name: `${name}_sigmoid` });
    return graph.add({ opType: 'Mul', inputs: [input.name, sigmoid], name });
  },
  mish: ({ graph, input, name }) => {
    const softplus = graph.add({
      opType: 'Softplus',
      inputs: [input.name],
      name: `${name}_softplus`,
    });
    const tanh = graph.add({ opType: 'Tanh', inputs: [softplus], name: `${name}_tanh` });
    return graph.add({ opType: 'Mul', inputs: [input.name, tanh], name });
  },
  // tfjs: x · ½(1 + erf(x/√2)) (exact GELU; ONNX's Gelu op needs opset 20).
  gelu: ({ graph, input, name }) => {
    const scaled = graph.add({
      opType: 'Mul',
      inputs: [input.name, graph.addFloatScalar(`${name}_inverse_sqrt2`, Math.SQRT1_2)],
      name: `${name}_scaled`,
    });
    const erf = graph.add({ opType: 'Erf', inputs: [scaled], name: `${name}_erf` });
    const onePlus = graph.add({
      opType: 'Add',
      inputs: [erf, graph.addFloatScalar(`${name}_one`, 1)],
      name: `${name}_one_plus`,
    });
    const half = graph.add({
      opType: 'Mul',
      inputs: [input.name, graph.addFloatScalar(`${name}_half`, 0.5)],
      name: `${name}_half_x`,
    });
    return graph.add({ opType: 'Mul', inputs: [half, onePlus], name });
  },
};

/** Clip(x, low, high) with the bounds as inputs (opset ≥ 11). */
export function clip(
  graph: Parameters<ActivationConverter>[0]['graph'],
  input: string,
  name: string,
  low: number,
  high: number,
): string {
  return graph.add({
    opType: 'Clip',
    inputs: [
      input,
      graph.addFloatScalar(`${name}_min`, low),
      graph.addFloatScalar(`${name}_max`, high),
    ],
    name,
  });
}

/** The activation registry, built-ins added on first use (no import side effects). */
export function activationRegistry(): Registry<ActivationConverter> {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    for (const [name, converter] of Object.entries(builtins)) {
      if (!registry.has(name)) registry.register(name, converter);
    }
  }
  return registry;
}

/**
 * Adds (or replaces) the converter of a tfjs activation by its serialised name (what
 * `layer.getConfig().activation` holds), used by Activation layers and layers with an
 * `activation` option.
 */
export function registerActivationConverter(
  name: string,
  converter: ActivationConverter,
  options?: RegisterOptions,
): void {
  activationRegistry().register(name, converter, options);
}

/** Activation names that convert, sorted. */
export function listActivationConverters(): string[] {
  return activationRegistry().names();
}
