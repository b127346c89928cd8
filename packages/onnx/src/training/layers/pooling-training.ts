import { channelsLastOnly, paddingMode, pairOf, windowPads } from '../../convert/layout.js';
import { binary, reduceMean, reshape } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/** tfjs `GlobalAveragePooling2D` (`[N, C]` output): the gradient spread evenly over space. */
export const globalAveragePooling2dTraining: TrainingLayer = {
  check(_layer, config) {
    if (config.keepDims === true) return 'keepDims true (only false)';
    return channelsLastOnly(config);
  },
  forward({ graph, layer, inputs }) {
    return {
      outputs: [reduceMean(graph, inputs[0]?.name as string, [2, 3], false, layer.name)],
    };
  },
  backward({ graph, layer, inputs, outputGradients, inputNeedsGradient }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const name = `${layer.name}_grad`;
    const shape = inputs[0]?.shape as number[];
    const area = (shape[1] as number) * (shape[2] as number);
    const scaled = binary(
      graph,
      'Mul',
      reshape(graph, outputGradients[0] as string, [0, 0, 1, 1], `${name}_nc11`),
      graph.addFloatScalar(`${name}_area`, 1 / area),
      `${name}_scaled`,
    );
    const inputShape = graph.add({
      opType: 'Shape',
      inputs: [inputs[0]?.name as string],
      name: `${name}_shape`,
    });
    return {
      inputGradients: [graph.add({ opType: 'Expand', inputs: [scaled, inputShape], name })],
    };
  },
};

/**
 * tfjs `MaxPooling2D`: `MaxPool` with its indices forward; backward, each output gradient is
 * added at the input position its window's maximum came from (overlapping windows add up).
 */
export const maxPooling2dTraining: TrainingLayer = {
  check: (_layer, config) => channelsLastOnly(config),
  forward({ graph, layer, inputs, config }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const kernel = pairOf(config.poolSize, 'poolSize');
    const strides = pairOf(config.strides ?? config.poolSize, 'strides');
    const pads = windowPads({
      padding: paddingMode(config),
      inputShape: input.shape,
      kernel,
      strides,
      dilations: [1, 1],
    });
    if (pads === undefined)
      throw new Error(`${layer.name}: training graphs need known spatial sizes`);
    const [output, indices] = graph.addNode({
      opType: 'MaxPool',
      inputs: [input.name],
      name: layer.name,
      outputCount: 2,
      attributes: { kernel_shape: kernel, strides, pads },
    }) as [string, string];
    return { outputs: [output], saved: { indices }, int64: [indices] };
  },
  backward({ graph, layer, inputs, outputGradients, inputNeedsGradient, forward }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const name = `${layer.name}_grad`;
    const input = inputs[0]?.name as string;
    const inputShape = graph.add({ opType: 'Shape', inputs: [input], name: `${name}_shape` });
    const zeros = reshape(
      graph,
      graph.add({ opType: 'ConstantOfShape', inputs: [inputShape], name: `${name}_zeros4` }),
      [-1],
      `${name}_zeros`,
    );
    const scattered = graph.add({
      opType: 'ScatterElements',
      inputs: [
        zeros,
        reshape(graph, forward.saved?.indices as string, [-1], `${name}_indices`),
        reshape(graph, outputGradients[0] as string, [-1], `${name}_updates`),
      ],
      name: `${name}_flat`,
      attributes: { axis: 0, reduction: 'add' },
    });
    return {
      inputGradients: [graph.add({ opType: 'Reshape', inputs: [scattered, inputShape], name })],
    };
  },
};
