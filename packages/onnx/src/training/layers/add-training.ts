import type { TrainingLayer } from '../training-layer.js';

/** tfjs `Add`: the sum of its inputs; each input receives the output gradient unchanged. */
export const addTraining: TrainingLayer = {
  forward({ graph, layer, inputs }) {
    return {
      outputs: [
        graph.add({ opType: 'Sum', inputs: inputs.map((input) => input.name), name: layer.name }),
      ],
    };
  },
  backward({ outputGradients, inputNeedsGradient }) {
    return {
      inputGradients: inputNeedsGradient.map((needed) => (needed ? outputGradients[0] : undefined)),
    };
  },
};
