import type { Backbone, Head } from '@graft/core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * One LayersModel `[N, H, W, 3]` normalised pixels → `[N, C]` probabilities: the backbone's
 * layers followed by the head model as a nested layer. Shares weights with `backbone` and
 * `head` (no copy); disposing it disposes theirs too, so usually let the backbone and head own
 * them and just drop the composed model.
 */
export function composeClassifier(options: {
  /** The feature extractor. */
  backbone: Backbone;
  /** The classifier head. */
  head: Head;
  /** Model name. Default `graft_classifier`. */
  name?: string;
}): tfl.LayersModel {
  const { backbone, head } = options;
  const input = backbone.model.inputs[0] as tfl.SymbolicTensor;
  const features = backbone.model.outputs[0] as tfl.SymbolicTensor;
  const probabilities = head.model.apply(features) as tfl.SymbolicTensor;
  return tfl.model({
    inputs: input,
    outputs: probabilities,
    name: options.name ?? 'graft_classifier',
  });
}
