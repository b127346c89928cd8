import { toChannelsFirstAxis } from '../../convert/layout.js';
import { binary, reduceSum } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';
import { channelBroadcast, nonChannelAxes } from './layer-scale-training.js';

/**
 * tfjs `LayerNormalization` over the last (channel) axis, ConvNeXt's LayerNorm on NHWC:
 * `x̂ = (x − mean) / √(var + ε)`, `y = x̂·γ + β`. Backward, with the means over the channel axis:
 * `dx = (g − mean(g) − x̂·mean(g·x̂)) / √(var + ε)` where `g = dy·γ`; `dγ = Σ dy·x̂`, `dβ = Σ dy`
 * over every other axis.
 */
export const layerNormalizationTraining: TrainingLayer = {
  check: (layer, config) => {
    const axis = Array.isArray(config.axis) ? config.axis : [config.axis ?? -1];
    const rank = (layer.inboundNodes[0] as unknown as { inputShapes: unknown[][] } | undefined)
      ?.inputShapes[0]?.length;
    const last = axis.length === 1 && (axis[0] === -1 || axis[0] === (rank ?? 0) - 1);
    if (!last) return `axis ${JSON.stringify(config.axis)} (only the last axis)`;
    if (config.center === false || config.scale === false) return 'center and scale are needed';
    return undefined;
  },
  forward({ graph, layer, inputs, config, weight }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank = input.shape.length;
    const size = input.shape[rank - 1] as number;
    const axis = toChannelsFirstAxis(-1, rank);
    const name = layer.name;
    const inverseSize = graph.addFloatScalar(`${name}_inverse_size`, 1 / size);
    const mean = (value: string, label: string) =>
      binary(
        graph,
        'Mul',
        reduceSum(graph, value, [axis], true, `${name}_${label}_sum`),
        inverseSize,
        `${name}_${label}`,
      );
    const centred = binary(graph, 'Sub', input.name, mean(input.name, 'mean'), `${name}_centred`);
    const squares = binary(graph, 'Mul', centred, centred, `${name}_squares`);
    const variance = binary(
      graph,
      'Add',
      mean(squares, 'variance'),
      graph.addFloatScalar(`${name}_epsilon`, Number(config.epsilon ?? 1e-3)),
      `${name}_variance_epsilon`,
    );
    const inverseDeviation = graph.add({
      opType: 'Reciprocal',
      inputs: [graph.add({ opType: 'Sqrt', inputs: [variance], name: `${name}_deviation` })],
      name: `${name}_inverse_deviation`,
    });
    const normalized = binary(graph, 'Mul', centred, inverseDeviation, `${name}_normalized`);
    const gamma = channelBroadcast(graph, weight('gamma'), rank, `${name}_gamma`);
    const beta = channelBroadcast(graph, weight('beta'), rank, `${name}_beta`);
    const scaled = binary(graph, 'Mul', normalized, gamma, `${name}_scaled`);
    return {
      outputs: [binary(graph, 'Add', scaled, beta, name)],
      saved: { normalized, inverseDeviation, gamma, inverseSize },
    };
  },
  backward(context) {
    const { graph, layer, inputs, forward, outputGradients, inputNeedsGradient } = context;
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank = input.shape.length;
    const axis = toChannelsFirstAxis(-1, rank);
    const { normalized, inverseDeviation, gamma, inverseSize } = forward.saved as Record<
      string,
      string
    >;
    const dy = outputGradients[0] as string;
    const name = `${layer.name}_grad`;
    const weightGradients: Record<string, string> = {};
    if (context.weightNeedsGradient('gamma')) {
      weightGradients.gamma = reduceSum(
        graph,
        binary(graph, 'Mul', dy, normalized as string, `${name}_gamma_product`),
        nonChannelAxes(rank),
        false,
        `${name}_gamma`,
      );
    }
    if (context.weightNeedsGradient('beta')) {
      weightGradients.beta = reduceSum(graph, dy, nonChannelAxes(rank), false, `${name}_beta`);
    }
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined], weightGradients };
    const mean = (value: string, label: string) =>
      binary(
        graph,
        'Mul',
        reduceSum(graph, value, [axis], true, `${name}_${label}_sum`),
        inverseSize as string,
        `${name}_${label}`,
      );
    const g = binary(graph, 'Mul', dy, gamma as string, `${name}_scaled`);
    const projection = binary(
      graph,
      'Mul',
      normalized as string,
      mean(binary(graph, 'Mul', g, normalized as string, `${name}_g_normalized`), 'mean_gx'),
      `${name}_projection`,
    );
    const centred = binary(
      graph,
      'Sub',
      binary(graph, 'Sub', g, mean(g, 'mean_g'), `${name}_g_centred`),
      projection,
      `${name}_centred`,
    );
    return {
      inputGradients: [binary(graph, 'Mul', centred, inverseDeviation as string, name)],
      weightGradients,
    };
  },
};
