import type { ImageBatch } from './image.js';
import type { JsonObject } from './json.js';

/** Options of {@link ImageAugmentation.apply}. */
export interface AugmentOptions {
  /** Seed of this call: the same batch and seed give the same output on every backend. */
  seed: number;
  /** Number of classes, for ops that turn integer labels into soft targets (mixup, cutmix). */
  numClasses: number;
}

/**
 * A batch augmentation (a single op or a composed pipeline), as the trainer sees it. Implemented
 * by the augmentation package; the trainer stores {@link toConfig} next to the model.
 */
export interface ImageAugmentation {
  /** Registered op name, or `compose` for a pipeline. */
  readonly name: string;
  /**
   * Returns a new batch (images `[N, H, W, 3]` in [0, 255]; labels unchanged, or `[N, C]` soft
   * targets for label-mixing ops). The input batch is not disposed; the caller owns both.
   */
  apply(batch: ImageBatch, options: AugmentOptions): ImageBatch;
  /** JSON that the augmentation package's `fromConfig` turns back into an equal pipeline. */
  toConfig(): JsonObject;
}
