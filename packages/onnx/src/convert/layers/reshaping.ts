import type { LayerConverter } from '../layer-converter.js';
import { channelsLastOnly, channelsLastValue, graphLayoutValue } from '../layout.js';

/** tfjs `Flatten` → `Flatten(axis 1)` on the channels-last value (tfjs flattens in H, W, C order). */
export const flattenConverter: LayerConverter = {
  check: (_layer, config) => channelsLastOnly(config),
  convert: ({ layer, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const channelsLast = channelsLastValue(graph, input, layer.name);
    return [
      graph.add({
        opType: 'Flatten',
        inputs: [channelsLast],
        name: layer.name,
        attributes: { axis: 1 },
      }),
    ];
  },
};

/** tfjs `Reshape` → `Reshape` to `[0 (the batch), ...targetShape]` in channels-last order. */
export const reshapeConverter: LayerConverter = {
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const target = (config.targetShape as Array<number | null>).map((dim) => dim ?? -1);
    const shape = graph.addInt64Tensor(`${layer.name}_shape`, [0, ...target], [target.length + 1]);
    const channelsLast = channelsLastValue(graph, input, layer.name);
    const rank = target.length + 1;
    const reshaped = graph.add({
      opType: 'Reshape',
      inputs: [channelsLast, shape],
      name: rank === 4 ? `${layer.name}_nhwc` : layer.name,
    });
    return [graphLayoutValue(graph, reshaped, rank, layer.name)];
  },
};

/** Layers that are the identity at inference (Dropout and noise layers): no node. */
export const identityConverter: LayerConverter = {
  convert: ({ inputs }) => inputs.map((input) => input.name),
};
