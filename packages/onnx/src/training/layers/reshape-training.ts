import { channelsLastValue, graphLayoutValue } from '../../convert/layout.js';
import { reshape } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/**
 * tfjs `Reshape` in channels-last element order (squeeze-excitation's `[N, C]` → `[N, 1, 1, C]`):
 * the gradient is reshaped back to the input's shape the same way.
 */
export const reshapeTraining: TrainingLayer = {
  forward({ graph, layer, inputs, config }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const target = (config.targetShape as Array<number | null>).map((size) => size ?? -1);
    const channelsLast = channelsLastValue(graph, input, layer.name);
    const rank = target.length + 1;
    const reshaped = reshape(graph, channelsLast, [0, ...target], `${layer.name}_nhwc`);
    return { outputs: [graphLayoutValue(graph, reshaped, rank, layer.name)] };
  },
  backward({ graph, layer, inputs, outputShapes, outputGradients, inputNeedsGradient }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const name = `${layer.name}_grad`;
    const gradient = channelsLastValue(
      graph,
      { name: outputGradients[0] as string, shape: outputShapes[0] ?? [] },
      name,
    );
    const target = input.shape.slice(1).map((size) => size ?? -1);
    const reshaped = reshape(graph, gradient, [0, ...target], `${name}_nhwc`);
    return { inputGradients: [graphLayoutValue(graph, reshaped, input.shape.length, name)] };
  },
};
