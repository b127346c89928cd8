import type * as tfl from '@tensorflow/tfjs-layers';
import { preorderLayers } from './preorder-layers.js';

/**
 * Every weight of `models`, layer by layer (nested models' layers in place), each once. Unlike
 * `model.weights`, which lists trainable weights first, the order does not depend on trainable
 * flags, so two threads that built the same models agree on it whatever was frozen.
 */
export function canonicalWeights(models: readonly tfl.LayersModel[]): tfl.LayerVariable[] {
  const seen = new Set<tfl.LayerVariable>();
  const result: tfl.LayerVariable[] = [];
  for (const model of models) {
    for (const layer of preorderLayers(model)) {
      if (Array.isArray((layer as unknown as { layers?: unknown }).layers)) continue;
      // A layer keeps trainable then non-trainable weights in creation order, frozen or not.
      for (const weight of layer.weights) {
        if (seen.has(weight)) continue;
        seen.add(weight);
        result.push(weight);
      }
    }
  }
  return result;
}
