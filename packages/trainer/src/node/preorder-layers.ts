import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Every layer of `model`, nested models included, a nested model before its own layers: setting
 * `trainable` in this order reproduces every flag (a container's setter overwrites its layers').
 */
export function preorderLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const result: tfl.layers.Layer[] = [];
  for (const layer of model.layers) {
    result.push(layer);
    const nested = layer as unknown as { layers?: tfl.layers.Layer[] };
    if (Array.isArray(nested.layers)) result.push(...preorderLayers(layer as tfl.LayersModel));
  }
  return result;
}
