import type { LayerConverter, LayerWeight } from '../layer-converter.js';
import { toChannelsFirstAxis } from '../layout.js';

/** The single normalised tfjs axis of a `LayerNormalization` config, or `undefined` when several. */
function singleAxis(config: Record<string, unknown>): number | undefined {
  const axis = config.axis ?? -1;
  if (typeof axis === 'number') return axis;
  if (Array.isArray(axis) && axis.length === 1 && typeof axis[0] === 'number') return axis[0];
  return undefined;
}

/**
 * A per-channel weight `[C]` shaped to broadcast along graph axis `graphAxis` of a rank-`rank`
 * value: `[C, 1, …, 1]` with one trailing 1 per axis after it (`[C, 1, 1]` on NCHW channels).
 */
function broadcastShape(weight: LayerWeight, graphAxis: number, rank: number): number[] {
  return [...weight.shape, ...new Array<number>(rank - 1 - graphAxis).fill(1)];
}

/**
 * tfjs `LayerNormalization` over one axis (ConvNeXt's channels-last LayerNorm is the channel
 * axis of NHWC, graph axis 1 of NCHW) → `(x − mean) / √(var + ε) · γ + β`, with the biased
 * variance of the centred values as tfjs's `moments` computes it. Written with `ReduceSum`
 * (axes as an input from opset 13) rather than the `LayerNormalization` op (opset 17, last axes
 * only), so every opset the converter writes works and no transpose is needed on NCHW.
 */
export const layerNormalizationConverter: LayerConverter = {
  check: (_layer, config) =>
    singleAxis(config) === undefined
      ? `axis ${JSON.stringify(config.axis)} (one axis expected)`
      : undefined,
  convert: ({ layer, config, inputs, graph, weights }) => {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rank = input.shape.length;
    const tfjsAxis = singleAxis(config) as number;
    const axis = toChannelsFirstAxis(tfjsAxis, rank);
    const size = input.shape[tfjsAxis < 0 ? rank + tfjsAxis : tfjsAxis];
    if (typeof size !== 'number') throw new Error(`${layer.name}: the normalised axis has no size`);
    const name = layer.name;
    const axes = graph.addInt64Tensor(`${name}_axes`, [axis], [1]);
    const inverseSize = graph.addFloatScalar(`${name}_inverse_size`, 1 / size);
    const mean = (value: string, label: string) =>
      graph.add({
        opType: 'Mul',
        inputs: [
          graph.add({
            opType: 'ReduceSum',
            inputs: [value, axes],
            name: `${name}_${label}_sum`,
            attributes: { keepdims: 1 },
          }),
          inverseSize,
        ],
        name: `${name}_${label}`,
      });
    const centred = graph.add({
      opType: 'Sub',
      inputs: [input.name, mean(input.name, 'mean')],
      name: `${name}_centred`,
    });
    const squares = graph.add({
      opType: 'Mul',
      inputs: [centred, centred],
      name: `${name}_squares`,
    });
    const deviation = graph.add({
      opType: 'Sqrt',
      inputs: [
        graph.add({
          opType: 'Add',
          inputs: [
            mean(squares, 'variance'),
            graph.addFloatScalar(`${name}_epsilon`, Number(config.epsilon ?? 1e-3)),
          ],
          name: `${name}_variance_epsilon`,
        }),
      ],
      name: `${name}_deviation`,
    });
    let result = graph.add({
      opType: 'Div',
      inputs: [centred, deviation],
      name: `${name}_normalized`,
    });
    const all = weights();
    const gamma = config.scale === false ? undefined : all.get('gamma');
    const beta = config.center === false ? undefined : all.get('beta');
    if (gamma !== undefined) {
      const scale = graph.addFloatTensor(
        `${name}_gamma`,
        gamma.values,
        broadcastShape(gamma, axis, rank),
      );
      result = graph.add({ opType: 'Mul', inputs: [result, scale], name: `${name}_scaled` });
    }
    if (beta !== undefined) {
      const offset = graph.addFloatTensor(
        `${name}_beta`,
        beta.values,
        broadcastShape(beta, axis, rank),
      );
      result = graph.add({ opType: 'Add', inputs: [result, offset], name: `${name}_shifted` });
    }
    return [result];
  },
};
