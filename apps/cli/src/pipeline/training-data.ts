import type { ImageDataset } from '@graft/core';
import type { SplitManifest } from '@graft/datasets';

/** The datasets of a run. */
export interface TrainingData {
  train: ImageDataset;
  validation: ImageDataset | undefined;
  test: ImageDataset | undefined;
  classNames: readonly string[];
  /** How the data was found, for the summary (e.g. `/data/flowers (train/val folders)`). */
  description: string;
  /** The image folder (absolute), or `undefined` for CIFAR. */
  root: string | undefined;
  /** {@link description} without the folder's path (e.g. `train/val folders`). */
  layout: string;
  /** Files left out, with why (unsupported extension, unreadable). */
  skipped: readonly { path: string; reason: string }[];
  /** Images that failed to decode while streaming (filled in as training reads them). */
  unreadable: readonly { path: string; reason: string }[];
  /** The files of each split (paths relative to the folder), for a folder; not for CIFAR. */
  manifest?: SplitManifest;
}
