import type { ImageDataset, Preprocessing } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { stratifiedSplit } from '@graft/datasets';
import { openCifar, openImageFolder, type PixelCacheOptions } from '@graft/datasets/node';

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
}

/** Options of {@link loadTrainingData}. */
export interface LoadTrainingDataOptions {
  /** Folder (train/val[/test] or flat class folders), or `cifar10`/`cifar100`. */
  data: string;
  /** Fractions train/val/test for a flat folder. Default 0.8/0.1/0.1. */
  split: readonly [number, number, number] | undefined;
  /** Seed of the split. */
  seed: number;
  /** The backbone's preprocessing: images are decoded and resized to its input size. */
  preprocessing: Preprocessing;
  /** Decoded-pixel cache of an image folder's augmented views. Default: none. */
  pixelCache?: PixelCacheOptions | undefined;
}

/** True for the dataset names `graft train` reads instead of a folder. */
export function isCifarName(data: string): data is 'cifar10' | 'cifar100' {
  return data === 'cifar10' || data === 'cifar100';
}

/** Default split of a flat class folder. */
export const defaultSplit = [0.8, 0.1, 0.1] as const;
/** Default train/val split of CIFAR's training set (its test set stays the test set). */
export const defaultCifarSplit = [0.9, 0.1, 0] as const;

/**
 * Opens the training data: a `train/`+`val/` folder as is, a flat class folder split by
 * `--split` (stratified, seeded), or a CIFAR set by name.
 */
export async function loadTrainingData(options: LoadTrainingDataOptions): Promise<TrainingData> {
  if (isCifarName(options.data)) {
    // Resolved like weights (cache → mirror → download); images are upscaled to the backbone's size.
    const open = (split: 'train' | 'test') =>
      openCifar({
        variant: options.data === 'cifar10' ? 'cifar-10' : 'cifar-100',
        split,
        imageSize: options.preprocessing.inputSize,
        resize: options.preprocessing.resize,
      });
    const train = await open('train');
    const split = options.split ?? defaultCifarSplit;
    const parts = splitStratified(train, split, options.seed);
    return {
      train: parts.train,
      validation: parts.validation,
      test: await open('test'),
      classNames: train.classNames,
      ...described(
        undefined,
        `${options.data} (train split ${formatSplit(split)}, official test set)`,
      ),
      skipped: [],
      unreadable: [],
    };
  }
  const folder = await openImageFolder({
    root: options.data,
    imageSize: options.preprocessing.inputSize,
    resize: options.preprocessing.resize,
    onBadImage: 'skip',
    ...(options.pixelCache ? { pixelCache: options.pixelCache } : {}),
  });
  const skipped = [...folder.report.skipped];
  // The folder's live list: its datasets add each image they skip while streaming.
  const unreadable = folder.report.badFiles;
  if (folder.layout === 'splits') {
    if (!folder.splitNames.includes('train')) {
      throw new InvalidArgumentError({
        argument: '<data>',
        value: options.data,
        expected: `must hold a train/ folder next to ${folder.splitNames.join(', ')}`,
      });
    }
    const train = folder.dataset('train');
    if (folder.splitNames.includes('val')) {
      return {
        train,
        validation: folder.dataset('val'),
        test: folder.splitNames.includes('test') ? folder.dataset('test') : undefined,
        classNames: folder.classNames,
        ...described(folder.root, `${folder.splitNames.join('/')} folders`),
        skipped,
        unreadable,
      };
    }
    const parts = splitStratified(train, options.split ?? defaultSplit, options.seed);
    return {
      ...parts,
      test: folder.splitNames.includes('test') ? folder.dataset('test') : parts.test,
      classNames: folder.classNames,
      ...described(folder.root, `train/ split ${formatSplit(options.split ?? defaultSplit)}`),
      skipped,
      unreadable,
    };
  }
  const split = options.split ?? defaultSplit;
  return {
    ...splitStratified(folder.dataset(), split, options.seed),
    classNames: folder.classNames,
    ...described(folder.root, `class folders, split ${formatSplit(split)}, seed ${options.seed}`),
    skipped,
    unreadable,
  };
}

/** The description fields: the CIFAR text as is, or `<root> (<layout>)`. */
function described(
  root: string | undefined,
  layout: string,
): Pick<TrainingData, 'description' | 'root' | 'layout'> {
  return { description: root === undefined ? layout : `${root} (${layout})`, root, layout };
}

function formatSplit(split: readonly number[]): string {
  return split.join('/');
}

/** A dataset that can be cut into subsets by index. */
interface Subsettable extends ImageDataset {
  subset(indices: readonly number[]): ImageDataset;
}

/**
 * Splits per class (datasets' `stratifiedSplit`) so each part keeps the class balance; the same
 * seed gives the same split. A zero fraction gives no part.
 */
export function splitStratified(
  dataset: Subsettable,
  split: readonly [number, number, number],
  seed: number,
): { train: ImageDataset; validation: ImageDataset | undefined; test: ImageDataset | undefined } {
  const named: Record<string, number> = { train: split[0] };
  if (split[1] > 0) named.validation = split[1];
  if (split[2] > 0) named.test = split[2];
  const { splits } = stratifiedSplit({
    labels: dataset.labels(),
    fractions: named,
    seed,
    classNames: dataset.classNames,
  });
  const part = (name: string) => {
    const indices = (splits as Record<string, number[]>)[name];
    return indices && indices.length > 0 ? dataset.subset(indices) : undefined;
  };
  return {
    train: part('train') ?? dataset,
    validation: part('validation'),
    test: part('test'),
  };
}
