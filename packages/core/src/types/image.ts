import type * as tf from '@tensorflow/tfjs-core';

/**
 * One batch of images with their labels.
 *
 * Ownership: whoever receives a batch from an iterator owns its tensors and disposes them
 * (see {@link disposeBatch}).
 */
export interface ImageBatch {
  /**
   * `[N, H, W, 3]` float32 RGB pixels in [0, 255], not yet normalised: augmentation works on
   * pixels, and the backbone's {@link Preprocessing} is applied last.
   */
  images: tf.Tensor4D;
  /** `[N]` int32 class indices, or `[N, C]` float32 targets after mixup/cutmix or for multi-label. */
  labels: tf.Tensor1D | tf.Tensor2D;
  /**
   * A stable identity per image (for example a content hash, or `path@mtime:size`), used to key
   * feature caches. Absent when the source cannot name its images.
   */
  keys?: readonly string[];
  /** Where each image came from (a path or URL), for reports. */
  sources?: readonly string[];
  /**
   * True when `images` is already network input (the backbone's {@link Preprocessing} applied
   * by the source, as `ViewBatchOptions.normalizeFor` asks): consumers skip `normalizeImages`.
   */
  normalized?: boolean;
}

/** One labelled image known by reference, before decoding. */
export interface ImageSample {
  /** Stable identity of the sample's content (see {@link ImageBatch.keys}). */
  key: string;
  /** Class index into the dataset's `classNames`. */
  label: number;
  /** Where it came from: a path, URL or name. */
  source: string;
}
