import type { LayerConverter } from '../layer-converter.js';
import { toChannelsFirstAxis } from '../layout.js';

function sameRanks(conversion: Parameters<LayerConverter['convert']>[0]): void {
  const ranks = new Set(conversion.inputs.map((input) => input.shape.length));
  if (ranks.size !== 1) {
    throw new Error(`${conversion.layer.name}: inputs of different ranks are not supported`);
  }
}

/** An element-wise merge layer → a chain of binary ONNX ops (`Add`, `Mul`, `Max`, `Min`). */
function elementwise(opType: string): LayerConverter {
  return {
    convert: (conversion) => {
      sameRanks(conversion);
      const { layer, graph, inputs } = conversion;
      let result = inputs[0]?.name;
      if (result === undefined) throw new Error(`${layer.name}: no input`);
      inputs.slice(1).forEach((input, index) => {
        result = graph.add({
          opType,
          inputs: [result as string, input.name],
          name: index === inputs.length - 2 ? layer.name : `${layer.name}_${index + 1}`,
        });
      });
      return [result];
    },
  };
}

/** tfjs `Add`. */
export const addConverter = elementwise('Add');
/** tfjs `Multiply`. */
export const multiplyConverter = elementwise('Mul');
/** tfjs `Maximum`. */
export const maximumConverter = elementwise('Max');
/** tfjs `Minimum`. */
export const minimumConverter = elementwise('Min');

/** tfjs `Average` → `Mean`. */
export const averageConverter: LayerConverter = {
  convert: (conversion) => {
    sameRanks(conversion);
    const { layer, graph, inputs } = conversion;
    return [
      graph.add({ opType: 'Mean', inputs: inputs.map((input) => input.name), name: layer.name }),
    ];
  },
};

/** tfjs `Concatenate` → `Concat` on the mapped axis (channels → graph axis 1 for rank 4). */
export const concatenateConverter: LayerConverter = {
  convert: (conversion) => {
    sameRanks(conversion);
    const { layer, graph, inputs, config } = conversion;
    const rank = inputs[0]?.shape.length ?? 0;
    return [
      graph.add({
        opType: 'Concat',
        inputs: inputs.map((input) => input.name),
        name: layer.name,
        attributes: { axis: toChannelsFirstAxis(Number(config.axis ?? -1), rank) },
      }),
    ];
  },
};
