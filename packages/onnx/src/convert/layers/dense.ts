import type { LayerConverter } from '../layer-converter.js';
import { channelsLastValue, graphLayoutValue } from '../layout.js';

/**
 * tfjs `Dense` → `Gemm` on `[N, features]` (`MatMul` + `Add` on higher ranks, over the last,
 * channels-last axis), then its activation.
 */
export const denseConverter: LayerConverter = {
  convert: ({ layer, config, inputs, graph, weights, activation, outputShapes }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const all = weights();
    const kernel = all.get('kernel');
    if (kernel === undefined) throw new Error(`${layer.name}: weight kernel not found`);
    const bias = config.useBias === false ? undefined : all.get('bias');
    const activationName = String(config.activation ?? 'linear');
    const baseName = activationName === 'linear' ? layer.name : `${layer.name}_dense`;
    const kernelName = graph.addFloatTensor(`${layer.name}_kernel`, kernel.values, kernel.shape);
    const biasName =
      bias === undefined
        ? undefined
        : graph.addFloatTensor(`${layer.name}_bias`, bias.values, bias.shape);
    const rank = input.shape.length;
    let result: string;
    if (rank === 2) {
      result = graph.add({
        opType: 'Gemm',
        inputs:
          biasName === undefined ? [input.name, kernelName] : [input.name, kernelName, biasName],
        name: baseName,
      });
    } else {
      const channelsLast = channelsLastValue(graph, input, layer.name);
      const product = graph.add({
        opType: 'MatMul',
        inputs: [channelsLast, kernelName],
        name: biasName === undefined ? `${baseName}_nhwc` : `${layer.name}_matmul`,
      });
      const biased =
        biasName === undefined
          ? product
          : graph.add({ opType: 'Add', inputs: [product, biasName], name: `${baseName}_nhwc` });
      result = graphLayoutValue(graph, biased, rank, baseName);
    }
    const shape = outputShapes[0] ?? input.shape;
    return [activation(activationName, { name: result, shape }, layer.name)];
  },
};
