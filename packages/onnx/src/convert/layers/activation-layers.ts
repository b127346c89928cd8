import { clip } from '../activation-registry.js';
import type { LayerConverter } from '../layer-converter.js';
import { toChannelsFirstAxis } from '../layout.js';

/** tfjs `ReLU` → `Relu`, or `Clip(0, maxValue)` when it has a `maxValue` (ReLU6). */
export const reluConverter: LayerConverter = {
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const maxValue = config.maxValue;
    if (typeof maxValue === 'number') return [clip(graph, input.name, layer.name, 0, maxValue)];
    return [graph.add({ opType: 'Relu', inputs: [input.name], name: layer.name })];
  },
};

/** tfjs `Activation` → the registered activation converter of its `activation`. */
export const activationConverter: LayerConverter = {
  convert: ({ layer, config, inputs, activation }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    return [activation(String(config.activation), input, layer.name)];
  },
};

/** tfjs `LeakyReLU` → `LeakyRelu`. */
export const leakyReluConverter: LayerConverter = {
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    return [
      graph.add({
        opType: 'LeakyRelu',
        inputs: [input.name],
        name: layer.name,
        attributes: { alpha: Number(config.alpha ?? 0.3) },
        floats: ['alpha'],
      }),
    ];
  },
};

/** tfjs `ELU` → `Elu`. */
export const eluConverter: LayerConverter = {
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    return [
      graph.add({
        opType: 'Elu',
        inputs: [input.name],
        name: layer.name,
        attributes: { alpha: Number(config.alpha ?? 1) },
        floats: ['alpha'],
      }),
    ];
  },
};

/** tfjs `Softmax` layer → `Softmax` over the mapped axis. */
export const softmaxConverter: LayerConverter = {
  check: (_layer, config) =>
    Array.isArray(config.axis) && config.axis.length !== 1
      ? `axis ${JSON.stringify(config.axis)} (one axis expected)`
      : undefined,
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const axis = Number(Array.isArray(config.axis) ? config.axis[0] : (config.axis ?? -1));
    return [
      graph.add({
        opType: 'Softmax',
        inputs: [input.name],
        name: layer.name,
        attributes: { axis: toChannelsFirstAxis(axis, input.shape.length) },
      }),
    ];
  },
};
