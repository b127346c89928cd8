import { toChannelsFirstAxis } from '../../convert/layout.js';
import { binary, reduceSum, reshape } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/** `[C]` weight shaped to broadcast on the channel axis of a rank-`rank` graph value. */
export function channelBroadcast(
  graph: Parameters<TrainingLayer['forward']>[0]['graph'],
  weight: string,
  rank: number,
  name: string,
): string {
  const axis = toChannelsFirstAxis(-1, rank);
  const trailing = rank - 1 - axis;
  return trailing === 0
    ? weight
    : reshape(graph, weight, [-1, ...new Array<number>(trailing).fill(1)], name);
}

/** The graph axes of a rank-`rank` value other than its channel axis. */
export function nonChannelAxes(rank: number): number[] {
  const channel = toChannelsFirstAxis(-1, rank);
  return Array.from({ length: rank }, (_, axis) => axis).filter((axis) => axis !== channel);
}

/**
 * @graft/backbones' `GraftLayerScale` (ConvNeXt): `y = x · γ` on the channel axis; `dx = dy · γ`,
 * `dγ = Σ dy · x` over every other axis.
 */
export const layerScaleTraining: TrainingLayer = {
  forward({ graph, layer, inputs, weight }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const gamma = channelBroadcast(
      graph,
      weight('gamma'),
      input.shape.length,
      `${layer.name}_gamma`,
    );
    return { outputs: [binary(graph, 'Mul', input.name, gamma, layer.name)], saved: { gamma } };
  },
  backward(context) {
    const { graph, layer, inputs, forward, outputGradients, inputNeedsGradient } = context;
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const dy = outputGradients[0] as string;
    const name = `${layer.name}_grad`;
    const inputGradient = inputNeedsGradient[0]
      ? binary(graph, 'Mul', dy, forward.saved?.gamma as string, name)
      : undefined;
    const weightGradients: Record<string, string> = {};
    if (context.weightNeedsGradient('gamma')) {
      weightGradients.gamma = reduceSum(
        graph,
        binary(graph, 'Mul', dy, input.name, `${name}_gamma_product`),
        nonChannelAxes(input.shape.length),
        false,
        `${name}_gamma`,
      );
    }
    return { inputGradients: [inputGradient], weightGradients };
  },
};
