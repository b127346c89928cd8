import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The parts of a tfjs-layers `BatchNormalization` instance that adaptation reads and writes. */
interface BatchNormInternals {
  axis: number;
  epsilon: number;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
}

type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => unknown;

/** One BatchNormalization layer of a model, in the order the forward pass reaches it. */
export interface BatchNormLayer {
  /** The layer (possibly inside a nested model). */
  layer: tfl.layers.Layer;
  /** Its name, prefixed by the nested models it lives in (`head/bn`). */
  path: string;
  /** Channel axis (negative counts from the end). */
  axis: number;
  /** Epsilon added to the variance. */
  epsilon: number;
  /** Moving mean variable. */
  movingMean: tfl.LayerVariable;
  /** Moving variance variable. */
  movingVariance: tfl.LayerVariable;
  /** Scale (`null` when `scale: false`). */
  gamma: tfl.LayerVariable | null;
  /** Offset (`null` when `center: false`). */
  beta: tfl.LayerVariable | null;
}

/** Whether `layer` is a BatchNormalization layer (by serialised class name, as Keras checks). */
export function isBatchNormalization(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

/**
 * Every BatchNormalization layer of `model`, nested models included, in topological order
 * (`model.layers` is topologically sorted, so a layer's inputs never depend on a later one).
 */
export function findBatchNormLayers(model: tfl.LayersModel, prefix = ''): BatchNormLayer[] {
  const result: BatchNormLayer[] = [];
  for (const layer of model.layers) {
    const nested = layer as unknown as { layers?: tfl.layers.Layer[] };
    if (Array.isArray(nested.layers)) {
      result.push(...findBatchNormLayers(layer as tfl.LayersModel, `${prefix}${layer.name}/`));
      continue;
    }
    if (!isBatchNormalization(layer)) continue;
    const internals = layer as unknown as BatchNormInternals;
    result.push({
      layer,
      path: `${prefix}${layer.name}`,
      axis: internals.axis,
      epsilon: internals.epsilon,
      movingMean: internals.movingMean,
      movingVariance: internals.movingVariance,
      gamma: internals.gamma ?? null,
      beta: internals.beta ?? null,
    });
  }
  return result;
}

/**
 * Replaces `call` on each layer instance by `replacement(index)` and returns a function that
 * restores what was there before: the class method, or an instance-level wrapper such as the
 * frozen-BatchNorm policy of `@graft/backbones` (which adaptation must bypass: it re-estimates
 * frozen layers too, that is its purpose).
 */
export function overrideCalls(
  layers: readonly BatchNormLayer[],
  replacement: (index: number) => LayerCall,
): () => void {
  const saved = layers.map(({ layer }) => Object.getOwnPropertyDescriptor(layer, 'call'));
  layers.forEach(({ layer }, index) => {
    Object.defineProperty(layer, 'call', {
      value: replacement(index),
      configurable: true,
      writable: true,
    });
  });
  return () => {
    layers.forEach(({ layer }, index) => {
      const descriptor = saved[index];
      if (descriptor) Object.defineProperty(layer, 'call', descriptor);
      else delete (layer as unknown as { call?: LayerCall }).call;
    });
  };
}
