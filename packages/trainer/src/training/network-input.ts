import { type ImageBatch, normalizeImages, type Preprocessing } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The network input for `images` (all of `batch.images` or some of its rows): as they are when
 * the source already normalised them (`batch.normalized`, see `ViewBatchOptions.normalizeFor`),
 * else `normalizeImages`. Always a new tensor (a clone shares the data), which the caller owns.
 */
export function networkInput(
  batch: ImageBatch,
  images: tf.Tensor4D,
  preprocessing: Preprocessing,
): tf.Tensor4D {
  return batch.normalized ? tf.clone(images) : normalizeImages(images, preprocessing);
}
