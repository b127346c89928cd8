import {
  type ImageAugmentation,
  type ImageDataset,
  isViewBatchSource,
  isViewPlannable,
  type Preprocessing,
} from '@graft/core';

/** What {@link fuseAugmentation} gives the training loop. */
export interface FusedAugmentation {
  /** The data to stream (its batches already carry the decoder's part of the augmentation). */
  data: ImageDataset;
  /** What still runs on the tensors, with the same per-batch seed, or `undefined`. */
  augmentation: ImageAugmentation | undefined;
}

/**
 * Hands the leading geometry of `augmentation` (random resized crop, horizontal flip) to the
 * dataset's decoder when both sides support it (`ViewPlannableAugmentation` and
 * `ViewBatchSource` in `@graft/core`): the crop boxes and flips are drawn with the seeds
 * `seedOf(batchIndex)` the tensor path would use, and libvips cuts them while decoding, off the
 * main thread. Otherwise returns `data` and `augmentation` as they are. Pass one stream's worth:
 * `seedOf` must be the seed `apply` would get for each batch of that stream. With
 * `normalizeFor`, when nothing is left to run on the tensors, the dataset also normalises while
 * it cuts (its batches say `normalized`; take inputs with `networkInput`).
 */
export function fuseAugmentation(
  data: ImageDataset,
  augmentation: ImageAugmentation | undefined,
  seedOf: (batchIndex: number) => number,
  normalizeFor?: Preprocessing,
): FusedAugmentation {
  if (!isViewPlannable(augmentation) || !isViewBatchSource(data)) return { data, augmentation };
  const planner = augmentation.viewPlanner();
  if (planner === undefined) return { data, augmentation };
  const frame = data.imageSize;
  const outputSize = planner.outputSize(frame);
  const fused: ImageDataset = {
    classNames: data.classNames,
    size: data.size,
    labels: () => data.labels(),
    batches: (options) =>
      data.viewBatches({
        ...options,
        outputSize,
        ...(normalizeFor && planner.rest === undefined ? { normalizeFor } : {}),
        viewsOf: (batchIndex, count) => planner.views({ seed: seedOf(batchIndex), count, frame }),
      }),
  };
  return { data: fused, augmentation: planner.rest };
}

/**
 * True when {@link fuseAugmentation} would hand crops to the decoder: its views are resampled
 * differently from the tensor path's, so feature caches must key them apart.
 */
export function fusesAugmentation(
  data: ImageDataset,
  augmentation: ImageAugmentation | undefined,
): boolean {
  return (
    isViewPlannable(augmentation) &&
    isViewBatchSource(data) &&
    augmentation.viewPlanner() !== undefined
  );
}
