import * as tf from '@tensorflow/tfjs-core';
import type { WeightSnapshot } from '../callbacks/trainer-context.js';
import type { KeyedWeight } from './trainable-variables.js';

/** Clones `weights` (the caller disposes the snapshot). */
export function snapshotWeights(weights: readonly KeyedWeight[]): WeightSnapshot {
  const tensors = new Map<string, tf.Tensor>();
  for (const { key, weight } of weights) tensors.set(key, tf.clone(weight.read()));
  return {
    tensors,
    dispose: () => {
      tf.dispose([...tensors.values()]);
      tensors.clear();
    },
  };
}

/** Writes a snapshot back into `weights`; the snapshot stays the caller's to dispose. */
export function restoreWeights(weights: readonly KeyedWeight[], saved: WeightSnapshot): void {
  for (const { key, weight } of weights) {
    const tensor = saved.tensors.get(key);
    // `write` shares the snapshot's data (reference counted), so the snapshot stays disposable.
    if (tensor !== undefined) weight.write(tensor);
  }
}
