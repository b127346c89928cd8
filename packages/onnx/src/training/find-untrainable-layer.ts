import type * as tfl from '@tensorflow/tfjs-layers';
import { trainingLayerRegistry } from './training-layer-registry.js';

type Config = Record<string, unknown>;

/**
 * Why `model` cannot be trained through ONNX graphs (a layer class without a registered
 * training layer, a configuration its check refuses, nested models, several inputs or
 * outputs), or `undefined` when it can.
 */
export function findUntrainableLayer(model: tfl.LayersModel): string | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return `${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs (one of each is supported)`;
  }
  const input = model.inputs[0]?.shape ?? [];
  if (input.length !== 4 || input.slice(1).some((size) => typeof size !== 'number')) {
    return `${model.name}'s input shape [${input.join(', ')}] (an NHWC image of known size is needed)`;
  }
  const registry = trainingLayerRegistry();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    if (!registry.has(className)) {
      return `layer ${layer.name} (${className}) has no ONNX training layer (supported: ${registry.names().join(', ')})`;
    }
    const reason = registry.get(className).check?.(layer, layer.getConfig() as Config);
    if (reason !== undefined) return `layer ${layer.name} (${className}): ${reason}`;
  }
  return undefined;
}
