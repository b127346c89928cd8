import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerConverter } from '../layer-converter.js';

/** Whether `layer` is a model (functional or sequential) used as a layer. */
export function isNestedModel(layer: tfl.layers.Layer): layer is tfl.LayersModel {
  const candidate = layer as Partial<tfl.LayersModel>;
  // Duck-typed: `instanceof` fails across two copies of tfjs-layers.
  return (
    Array.isArray(candidate.inputs) &&
    Array.isArray(candidate.outputs) &&
    Array.isArray(candidate.layers)
  );
}

/**
 * A model used as a layer (e.g. a head applied to a backbone's output, as Graft's composed
 * classifier does) → its own layers, inlined.
 */
export const nestedModelConverter: LayerConverter = {
  convert: ({ layer, inputs, convertNested }) => {
    if (!isNestedModel(layer)) {
      throw new Error(`${layer.name}: ${layer.getClassName()} is not a LayersModel`);
    }
    return convertNested(layer, inputs).map((output) => output.name);
  },
};
