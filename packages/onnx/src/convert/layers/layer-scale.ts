import type { LayerConverter } from '../layer-converter.js';
import { toChannelsFirstAxis } from '../layout.js';

/**
 * @graft/backbones' `GraftLayerScale` (ConvNeXt): the input times a learned vector `gamma` on the
 * last (channel) axis → `Mul` by `gamma` shaped `[C, 1, 1]` on NCHW values, `[C]` otherwise.
 */
export const layerScaleConverter: LayerConverter = {
  convert: ({ layer, inputs, graph, weights }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const gamma = weights().get('gamma');
    if (gamma === undefined) throw new Error(`${layer.name}: weight gamma not found`);
    const rank = input.shape.length;
    const axis = toChannelsFirstAxis(-1, rank);
    const scale = graph.addFloatTensor(`${layer.name}_gamma`, gamma.values, [
      ...gamma.shape,
      ...new Array<number>(rank - 1 - axis).fill(1),
    ]);
    return [graph.add({ opType: 'Mul', inputs: [input.name, scale], name: layer.name })];
  },
};
