import { toChannelsFirst, toChannelsLast } from '../../convert/layout.js';
import { binary, reduceSum, reshape, transpose } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/**
 * tfjs `Dense` (linear activation) on `[N, C]` or over the channels of `[N, H, W, C]` (ConvNeXt's
 * pointwise `Linear`s): `y = x·K + b` in channels-last layout. Backward: `dx = dy·Kᵀ`,
 * `dK = xᵀ·dy` and `db = Σ dy` over every row (pixels of every image).
 */
export const denseTraining: TrainingLayer = {
  check: (_layer, config) =>
    (config.activation ?? 'linear') === 'linear'
      ? undefined
      : `activation ${String(config.activation)} (only linear; use an Activation layer)`,
  forward({ graph, layer, inputs, config, weight }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank4 = input.shape.length === 4;
    const name = layer.name;
    const rows = rank4
      ? transpose(graph, input.name, toChannelsLast, `${name}_nhwc_input`)
      : input.name;
    let result = graph.add({
      opType: 'MatMul',
      inputs: [rows, weight('kernel')],
      name: `${name}_matmul`,
    });
    if (config.useBias !== false) {
      result = binary(graph, 'Add', result, weight('bias'), `${name}_biased`);
    }
    const output = rank4 ? transpose(graph, result, toChannelsFirst, name) : result;
    return { outputs: [output], saved: { rows } };
  },
  backward(context) {
    const { graph, layer, inputs, config, forward, outputGradients, inputNeedsGradient } = context;
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank4 = input.shape.length === 4;
    const name = `${layer.name}_grad`;
    const dy = rank4
      ? transpose(graph, outputGradients[0] as string, toChannelsLast, `${name}_nhwc`)
      : (outputGradients[0] as string);
    const weightGradients: Record<string, string> = {};
    const needKernel = context.weightNeedsGradient('kernel');
    const needBias = config.useBias !== false && context.weightNeedsGradient('bias');
    if (needKernel || needBias) {
      const units = context.outputShapes[0]?.at(-1) as number;
      const channels = input.shape.at(-1) as number;
      const flatGradient = rank4 ? reshape(graph, dy, [-1, units], `${name}_rows`) : dy;
      if (needKernel) {
        const flatInput = rank4
          ? reshape(graph, forward.saved?.rows as string, [-1, channels], `${name}_input_rows`)
          : input.name;
        weightGradients.kernel = graph.add({
          opType: 'Gemm',
          inputs: [flatInput, flatGradient],
          name: `${name}_kernel`,
          attributes: { transA: 1 },
        });
      }
      if (needBias)
        weightGradients.bias = reduceSum(graph, flatGradient, [0], false, `${name}_bias`);
    }
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined], weightGradients };
    const kernelTransposed = transpose(graph, context.weight('kernel'), [1, 0], `${name}_kernel_t`);
    const rows = graph.add({
      opType: 'MatMul',
      inputs: [dy, kernelTransposed],
      name: `${name}_rows_input`,
    });
    return {
      inputGradients: [rank4 ? transpose(graph, rows, toChannelsFirst, name) : rows],
      weightGradients,
    };
  },
};
