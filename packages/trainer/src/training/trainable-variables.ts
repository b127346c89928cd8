import type { Backbone, Head } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { OptimizedVariable } from '../optimizers/optimizer.js';

/** How learning rates differ across the network (discriminative learning rates). */
export interface DiscriminativeLearningRates {
  /** Multiplies the learning rate of every backbone variable (e.g. 0.1). Default 1. */
  backboneMultiplier?: number;
  /**
   * Per-depth decay (e.g. 0.7): the last backbone stage gets `decay¹`, the one before `decay²` …
   * (layers before the first stage get the deepest power). Stages come from `backbone.stages`;
   * without stages each layer with weights counts as one. Multiplies `backboneMultiplier`.
   */
  layerDecay?: number;
}

/** A model weight with a stable key, whichever model it belongs to. */
export interface KeyedWeight {
  /** `backbone/<index>` or `head/<index>`: index in `model.weights`, stable across processes. */
  key: string;
  /** The layer weight. */
  weight: tfl.LayerVariable;
}

/** Every weight of the backbone and the head (trainable or not), with stable keys. */
export function keyedWeights(backbone: Backbone | undefined, head: Head): KeyedWeight[] {
  const keyed: KeyedWeight[] = [];
  if (backbone !== undefined) {
    backbone.model.weights.forEach((weight, index) => {
      keyed.push({ key: `backbone/${index}`, weight });
    });
  }
  head.model.weights.forEach((weight, index) => {
    keyed.push({ key: `head/${index}`, weight });
  });
  return keyed;
}

/**
 * The trainable variables of the head and (when given) of the backbone, with learning-rate
 * multipliers and the weight-decay flag (kernels, rank ≥ 2, decay; biases and BatchNorm
 * parameters do not).
 */
export function trainableVariables(options: {
  /** Include the backbone's trainable weights (fine-tuning). */
  backbone?: Backbone;
  /** The head. */
  head: Head;
  /** Discriminative learning rates of the backbone. */
  discriminative?: DiscriminativeLearningRates;
}): OptimizedVariable[] {
  const { backbone, head } = options;
  const multipliers = backbone
    ? backboneMultipliers(backbone, options.discriminative ?? {})
    : new Map<string, number>();
  const trainableIds = new Set<number>();
  for (const weight of backbone?.model.trainableWeights ?? []) trainableIds.add(weight.id);
  for (const weight of head.model.trainableWeights) trainableIds.add(weight.id);
  return keyedWeights(backbone, head)
    .filter(({ weight }) => trainableIds.has(weight.id))
    .map(({ key, weight }) => ({
      key,
      variable: weight.read() as tf.Variable,
      learningRateMultiplier: key.startsWith('backbone/') ? (multipliers.get(key) ?? 1) : 1,
      decay: weight.shape.length >= 2,
    }));
}

function backboneMultipliers(
  backbone: Backbone,
  discriminative: DiscriminativeLearningRates,
): Map<string, number> {
  const base = discriminative.backboneMultiplier ?? 1;
  const decay = discriminative.layerDecay ?? 1;
  const layers = backbone.model.layers.filter((layer) => layer.weights.length > 0);
  const groupOf = groupLayers(
    layers.map((layer) => layer.name),
    backbone.stages,
  );
  const groupCount = Math.max(0, ...groupOf.values()) + 1;
  const layerMultiplier = new Map<string, number>();
  for (const layer of layers) {
    const group = groupOf.get(layer.name) ?? 0;
    // The last group is one step below the head: decay¹.
    layerMultiplier.set(layer.name, base * decay ** (groupCount - group));
  }
  const byWeightId = new Map<number, number>();
  for (const layer of layers) {
    for (const weight of layer.weights)
      byWeightId.set(weight.id, layerMultiplier.get(layer.name) ?? base);
  }
  const result = new Map<string, number>();
  backbone.model.weights.forEach((weight, index) => {
    result.set(`backbone/${index}`, byWeightId.get(weight.id) ?? base);
  });
  return result;
}

/**
 * Group index of each layer: by stage when stage names match layer names (`block_13` matches
 * `block_13_expand` but not `block_130`), else one group per layer. Layers before the first
 * stage form group 0.
 */
function groupLayers(
  layerNames: readonly string[],
  stages: readonly string[],
): Map<string, number> {
  const stageIndex = (name: string): number => {
    let found = -1;
    stages.forEach((stage, index) => {
      if (name === stage || (name.startsWith(stage) && !/[0-9]/.test(name.charAt(stage.length)))) {
        found = index;
      }
    });
    return found;
  };
  const indices = layerNames.map(stageIndex);
  const groups = new Map<string, number>();
  if (indices.some((index) => index >= 0)) {
    let current = 0;
    layerNames.forEach((name, position) => {
      const index = indices[position] ?? -1;
      // Layers between stages (no match) stay with the preceding stage.
      if (index >= 0) current = index + 1;
      groups.set(name, current);
    });
  } else {
    layerNames.forEach((name, position) => {
      groups.set(name, position);
    });
  }
  return groups;
}
