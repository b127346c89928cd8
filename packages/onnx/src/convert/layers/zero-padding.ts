import type { LayerConverter } from '../layer-converter.js';
import { channelsLastOnly } from '../layout.js';

/** tfjs `ZeroPadding2D` (`[[top, bottom], [left, right]]`) → `Pad` (constant 0) on NCHW. */
export const zeroPadding2dConverter: LayerConverter = {
  check: (_layer, config) => channelsLastOnly(config),
  convert: ({ layer, config, inputs, graph }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
    const pads = graph.addInt64Tensor(
      `${layer.name}_pads`,
      [0, 0, top, left, 0, 0, bottom, right],
      [8],
    );
    return [
      graph.add({
        opType: 'Pad',
        inputs: [input.name, pads],
        name: layer.name,
        attributes: { mode: 'constant' },
      }),
    ];
  },
};
