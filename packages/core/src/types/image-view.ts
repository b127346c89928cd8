import type { ImageAugmentation } from './augmentation.js';
import type { BatchOptions, ImageDataset } from './dataset.js';
import type { ImageBatch } from './image.js';
import type { Preprocessing } from './preprocessing.js';

/**
 * One augmented view of an image, as geometry a decoder can apply while it decodes: a crop box
 * in the dataset's image frame (the `[height, width]` its clean batches have), then a resize to
 * the view's output size, then an optional horizontal mirror.
 */
export interface ImageView {
  /** Top row of the crop in the frame, in whole pixels. */
  top: number;
  /** Left column of the crop in the frame, in whole pixels. */
  left: number;
  /** Crop height in frame pixels (>= 1). */
  height: number;
  /** Crop width in frame pixels (>= 1). */
  width: number;
  /** Mirror left-right after the resize. */
  flipHorizontal: boolean;
}

/** Options of {@link ImageViewPlanner.views}. */
export interface ImageViewPlanOptions {
  /** The seed the augmentation's `apply` would get for this batch. */
  seed: number;
  /** Images in the batch. */
  count: number;
  /** `[height, width]` of the dataset's frame the boxes are drawn in. */
  frame: readonly [number, number];
}

/**
 * The leading geometric part of an augmentation (random resized crop, horizontal flip) as
 * per-image views, with the same seeded draws as `apply`, so a dataset can do that part while it
 * decodes. `rest` is what remains to run on the tensors, called with the same seed.
 */
export interface ImageViewPlanner {
  /** `[height, width]` of every view. */
  outputSize(frame: readonly [number, number]): readonly [number, number];
  /** The views of one batch, image by image. */
  views(options: ImageViewPlanOptions): ImageView[];
  /** The ops after the planned ones (seeded as in the whole pipeline), or `undefined`. */
  rest: ImageAugmentation | undefined;
}

/** An augmentation that can hand its leading geometry to the decoder. */
export interface ViewPlannableAugmentation extends ImageAugmentation {
  /** The planner, or `undefined` when the pipeline does not start with plannable ops. */
  viewPlanner(): ImageViewPlanner | undefined;
}

/** Options of {@link ViewBatchSource.viewBatches}. */
export interface ViewBatchOptions extends BatchOptions {
  /** The views of batch `batchIndex` (0-based, in stream order), of `count` images. */
  viewsOf(batchIndex: number, count: number): readonly ImageView[];
  /** `[height, width]` of every view (the batches' image size). */
  outputSize: readonly [number, number];
  /**
   * Apply this preprocessing's normalisation while cutting (batches then carry
   * `normalized: true`), so no tensor op normalises them. Only when nothing else augments the
   * pixels afterwards. Default: pixels in [0, 255].
   */
  normalizeFor?: Preprocessing;
}

/** A dataset that can decode straight into augmented views (see {@link ImageView}). */
export interface ViewBatchSource extends ImageDataset {
  /** `[height, width]` of the frame views are drawn in: the dataset's clean image size. */
  readonly imageSize: readonly [number, number];
  /** Like `batches`, each image cut by its view; the consumer owns the tensors. */
  viewBatches(options: ViewBatchOptions): AsyncIterable<ImageBatch>;
}

/** True when `augmentation` offers {@link ViewPlannableAugmentation.viewPlanner}. */
export function isViewPlannable(
  augmentation: ImageAugmentation | undefined,
): augmentation is ViewPlannableAugmentation {
  return typeof (augmentation as Partial<ViewPlannableAugmentation>)?.viewPlanner === 'function';
}

/** True when `dataset` offers {@link ViewBatchSource.viewBatches}. */
export function isViewBatchSource(dataset: ImageDataset): dataset is ViewBatchSource {
  return typeof (dataset as Partial<ViewBatchSource>).viewBatches === 'function';
}
