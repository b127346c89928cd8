import { binary, reduceSum } from '../graph-operations.js';
import type { TrainingLayer } from '../training-layer.js';

/**
 * @graft/backbones' `GraftStochasticDepth` (EfficientNet, ConvNeXt) in a training step, where tfjs
 * calls it with `training: true`: each sample's residual branch is kept with probability
 * `keep = 1 − rate` and scaled by `1 / keep`, i.e. `y = x · floor(keep + U[0, 1)) / keep` with
 * one `RandomUniformLike` draw per sample (`[N, 1, …, 1]`). The mask is saved, so the backward
 * pass scales the gradient by the same draw. Rate 0: the identity.
 */
export const stochasticDepthTraining: TrainingLayer = {
  check: (_layer, config) => {
    const rate = Number(config.rate);
    return rate >= 0 && rate < 1 ? undefined : `rate ${String(config.rate)} (must be in [0, 1))`;
  },
  forward({ graph, layer, inputs, config }) {
    const input = inputs[0];
    if (input === undefined) throw new Error(`${layer.name}: no input`);
    const rate = Number(config.rate);
    if (rate === 0) return { outputs: [input.name] };
    const keep = 1 - rate;
    const name = layer.name;
    const rank = input.shape.length;
    // [N, 1, …, 1]: the shape RandomUniformLike copies (its values are not read).
    const perSample = reduceSum(
      graph,
      input.name,
      Array.from({ length: rank - 1 }, (_, axis) => axis + 1),
      true,
      `${name}_per_sample`,
    );
    const uniform = graph.add({
      opType: 'RandomUniformLike',
      inputs: [perSample],
      name: `${name}_uniform`,
      attributes: { dtype: 1, low: 0, high: 1 },
      floats: ['low', 'high'],
    });
    const kept = graph.add({
      opType: 'Floor',
      inputs: [
        binary(
          graph,
          'Add',
          uniform,
          graph.addFloatScalar(`${name}_keep`, keep),
          `${name}_shifted`,
        ),
      ],
      name: `${name}_kept`,
    });
    const mask = binary(
      graph,
      'Mul',
      kept,
      graph.addFloatScalar(`${name}_scale`, 1 / keep),
      `${name}_mask`,
    );
    return { outputs: [binary(graph, 'Mul', input.name, mask, name)], saved: { mask } };
  },
  backward({ graph, layer, forward, outputGradients, inputNeedsGradient }) {
    if (!inputNeedsGradient[0]) return { inputGradients: [undefined] };
    const dy = outputGradients[0] as string;
    const mask = forward.saved?.mask;
    return {
      inputGradients: [
        mask === undefined ? dy : binary(graph, 'Mul', dy, mask, `${layer.name}_grad`),
      ],
    };
  },
};
