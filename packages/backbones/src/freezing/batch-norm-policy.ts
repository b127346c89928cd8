import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

const patchedMarker = Symbol.for('graft.backbones.frozenBatchNormInference');

type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => unknown;

/** Whether `layer` is a BatchNormalization layer (by serialised class name, as Keras checks). */
export function isBatchNormalization(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

/**
 * Makes every BatchNormalization layer of `model` (nested models included) run in inference mode
 * (moving statistics used, never updated) while it is not trainable, even when called with
 * `training: true`: Keras ≥ 2.1 behaviour. tfjs-layers 4.22 picks BatchNorm's mode from the
 * `training` flag alone, so a "frozen" BatchNorm would still update its moving statistics in `fit`.
 *
 * The patch wraps `call` on each layer instance (not the class), so the class name, config and
 * serialisation are unchanged and other models in the process are unaffected. Idempotent.
 * Returns the number of BatchNormalization layers patched by this call.
 */
export function applyFrozenBatchNormPolicy(model: tfl.LayersModel): number {
  let patched = 0;
  for (const layer of allLayers(model)) {
    if (!isBatchNormalization(layer)) continue;
    const holder = layer as unknown as Record<symbol, boolean> & { call: LayerCall };
    if (holder[patchedMarker]) continue;
    const originalCall: LayerCall = holder.call.bind(layer);
    holder.call = (inputs, kwargs) =>
      originalCall(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
    holder[patchedMarker] = true;
    patched++;
  }
  return patched;
}

/** Every layer of `model`, descending into nested models, in topological order. */
export function allLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const result: tfl.layers.Layer[] = [];
  for (const layer of model.layers) {
    const nested = layer as unknown as { layers?: tfl.layers.Layer[] };
    if (Array.isArray(nested.layers)) result.push(...allLayers(layer as tfl.LayersModel));
    else result.push(layer);
  }
  return result;
}
