import { InvalidArgumentError, type LayerSelector, type UnfreezeOptions } from '@graft/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { allLayers, isBatchNormalization } from './batch-norm-policy.js';

/** Options of {@link setTrainableLayers}. */
export interface SetTrainableOptions extends UnfreezeOptions {
  /** Named stages of the model (e.g. `block_1` … `block_16`), accepted and listed for `from`. */
  stages?: readonly string[];
  /** Keep every BatchNormalization layer frozen (inference mode) even when unfreezing. */
  keepBatchNormFrozen?: boolean;
}

/** Whether `layer` matches `selector` (exact name, regular expression, or predicate). */
export function matchesSelector(layer: tfl.layers.Layer, selector: LayerSelector): boolean {
  if (typeof selector === 'string') return layer.name === selector;
  if (selector instanceof RegExp)
    return new RegExp(selector.source, selector.flags).test(layer.name);
  return selector(layer);
}

/** Whether `layerName` belongs to the stage or layer `from` (`block_13` → `block_13_expand`). */
export function belongsTo(layerName: string, from: string): boolean {
  return (
    layerName === from ||
    layerName.startsWith(`${from}_`) ||
    layerName.startsWith(`${from}.`) ||
    layerName.startsWith(`${from}/`)
  );
}

/** Makes every layer of `model` non-trainable (feature extraction). */
export function freezeAllLayers(model: tfl.LayersModel): void {
  for (const layer of allLayers(model)) layer.trainable = false;
}

/**
 * Makes layers trainable: all of them, those from the stage or layer `from` on (in topological
 * order), and/or those matching `layers`. Layers not selected keep their current state.
 * Throws an {@link InvalidArgumentError} when `from` names no layer or stage, or when the
 * selector matches nothing (a typo would otherwise silently train nothing).
 */
export function setTrainableLayers(
  model: tfl.LayersModel,
  options: SetTrainableOptions = {},
): void {
  const layers = allLayers(model);
  let selected = layers;
  if (options.from !== undefined) {
    const from = options.from;
    const start = layers.findIndex((layer) => belongsTo(layer.name, from));
    if (start < 0) {
      const stages = options.stages ?? [];
      throw new InvalidArgumentError({
        argument: 'from',
        value: from,
        expected:
          'must name a stage or a layer of the model' +
          (stages.length > 0 ? `; stages: ${stages.join(', ')}` : ''),
      });
    }
    selected = layers.slice(start);
  }
  if (options.layers !== undefined) {
    const selector = options.layers;
    selected = selected.filter((layer) => matchesSelector(layer, selector));
    if (selected.length === 0) {
      throw new InvalidArgumentError({
        argument: 'layers',
        value: selector instanceof RegExp ? String(selector) : selector,
        expected: 'must select at least one layer of the model',
      });
    }
  }
  for (const layer of selected) {
    if (options.keepBatchNormFrozen === true && isBatchNormalization(layer)) continue;
    layer.trainable = true;
  }
}
