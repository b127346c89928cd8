import { type Backbone, InvalidArgumentError } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The backbone's LayerVariables holding `variables`, same order; throws on a stranger. */
export function toLayerVariables(
  backbone: Backbone,
  variables: readonly tf.Variable[],
): tfl.LayerVariable[] {
  const byTensor = new Map<tf.Tensor, tfl.LayerVariable>(
    backbone.model.weights.map((weight) => [weight.read(), weight]),
  );
  return variables.map((variable) => {
    const weight = byTensor.get(variable);
    if (weight === undefined) {
      throw new InvalidArgumentError({
        argument: 'variables',
        value: variable.name,
        expected: `must be weights of the backbone ${backbone.name}`,
      });
    }
    return weight;
  });
}
