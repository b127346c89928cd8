import { channelsLastOnly } from '../../convert/layout.js';
import { slice } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

type Padding = [[number, number], [number, number]];

/** tfjs `ZeroPadding2D`: `Pad` forward, the inner window of the gradient backward. */
export const zeroPadding2dTraining: TrainingLayer = {
  check: (_layer, config) => channelsLastOnly(config),
  paddingOnly(config) {
    const [[top, bottom], [left, right]] = config.padding as Padding;
    return [top, left, bottom, right];
  },
  forward({ graph, layer, inputs, config }) {
    const [[top, bottom], [left, right]] = config.padding as Padding;
    const pads = graph.addInt64Tensor(
      `${layer.name}_pads`,
      [0, 0, top, left, 0, 0, bottom, right],
      [8],
    );
    const output = graph.add({
      opType: 'Pad',
      inputs: [inputs[0]?.name as string, pads],
      name: layer.name,
      attributes: { mode: 'constant' },
    });
    return { outputs: [output] };
  },
  backward({ graph, layer, inputs, config, outputGradients, inputNeedsGradient }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const [[top], [left]] = config.padding as Padding;
    const shape = inputs[0]?.shape as number[];
    const gradient = slice(
      graph,
      outputGradients[0] as string,
      {
        starts: [top, left],
        ends: [top + (shape[1] as number), left + (shape[2] as number)],
        axes: [2, 3],
      },
      `${layer.name}_grad`,
    );
    return { inputGradients: [gradient] };
  },
};
