import type { JsonObject } from '@graft/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a callback remembers between epochs, saved in every training checkpoint so a resumed run
 * continues exactly (Lightning's `state_dict`).
 */
export interface CallbackState {
  /** Plain values: best metric, best epoch, patience counter, … */
  values: JsonObject;
  /** Tensors by name (e.g. the best epoch's weights). */
  tensors?: Record<string, tf.Tensor>;
}
