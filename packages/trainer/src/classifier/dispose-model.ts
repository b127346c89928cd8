import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Disposes `model` and every weight of the models nested in it. tfjs reference-counts nested
 * models and, for a loaded `Sequential` of `Sequential`s (Teachable Machine's layout), leaves
 * the inner head's weights alive after `model.dispose()`; those are released here.
 */
export function disposeModel(model: tfl.LayersModel): void {
  const weights = model.weights;
  model.dispose();
  for (const weight of weights) {
    // `LayerVariable.dispose` throws when already disposed; its tensor says whether it is.
    const value = (weight as unknown as { val: tf.Variable }).val;
    if (!value.isDisposed) weight.dispose();
  }
}
