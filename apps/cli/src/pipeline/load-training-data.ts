import { resolve } from 'node:path';
import type { ImageDataset, Preprocessing } from '@graft/core';
import { InvalidArgumentError } from '@graft/core';
import { type SplitManifest, stratifiedSplit } from '@graft/datasets';
import {
  createSplitManifest,
  type DecodePrefetch,
  datasetsFromManifest,
  FileImageDataset,
  loadSplitManifest,
  openCifar,
  openImageFolder,
  type PixelCacheOptions,
} from '@graft/datasets/node';

import { loadMultiLabelData, type MultiLabelSource } from './load-multi-label-data.js';
import type { TrainingData } from './training-data.js';

export type { TrainingData } from './training-data.js';

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
  /**
   * A split manifest (`split-manifest.json` of an earlier run): exactly its files and labels,
   * resolved against `data` (so the folder may have moved), instead of splitting.
   */
  splitManifest?: string;
  /** Decoded-pixel cache of an image folder's augmented views. Default: none. */
  pixelCache?: PixelCacheOptions | undefined;
  /** Multi-label data (`multiLabelSourceOf`): read by `loadMultiLabelData` instead. */
  multiLabel?: MultiLabelSource | undefined;
  /** Files already being decoded in a worker thread (training-decode-prefetch.ts). */
  decodePrefetch?: DecodePrefetch | undefined;
}

/** The run directory's record of which file went to which split. */
export const splitManifestFileName = 'split-manifest.json';

/** True for the dataset names `graft train` reads instead of a folder. */
export function isCifarName(data: string): data is 'cifar10' | 'cifar100' {
  return data === 'cifar10' || data === 'cifar100';
}

/** How CIFAR's 32×32 images reach the backbone's input size: whole, bilinear. */
export const cifarUpsampling = { mode: 'stretch', interpolation: 'bilinear' } as const;

/** Default split of a flat class folder. */
export const defaultSplit = [0.8, 0.1, 0.1] as const;
/** Default train/val split of CIFAR's training set (its test set stays the test set). */
export const defaultCifarSplit = [0.9, 0.1, 0] as const;

/**
 * Opens the training data: a `train/`+`val/` folder as is, a flat class folder split by
 * `--split` (stratified, seeded), or a CIFAR set by name.
 */
export async function loadTrainingData(options: LoadTrainingDataOptions): Promise<TrainingData> {
  if (options.multiLabel) return loadMultiLabelData({ ...options, source: options.multiLabel });
  if (options.splitManifest !== undefined) return loadFromManifest(options, options.splitManifest);
  const data = await loadWithoutManifest(options);
  return data.root === undefined ? data : { ...data, manifest: manifestOf(data, options.seed) };
}

async function loadWithoutManifest(options: LoadTrainingDataOptions): Promise<TrainingData> {
  if (isCifarName(options.data)) {
    // Resolved like weights (cache → mirror → download); the whole 32×32 image is upsampled to
    // the backbone's size (bilinear, as Keras's resize): a crop policy such as MobileNetV2's
    // centre crop would cut an eighth off images that small.
    const open = (split: 'train' | 'test') =>
      openCifar({
        variant: options.data === 'cifar10' ? 'cifar-10' : 'cifar-100',
        split,
        imageSize: options.preprocessing.inputSize,
        resize: cifarUpsampling,
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
    ...(options.decodePrefetch ? { decodePrefetch: options.decodePrefetch } : {}),
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

/** The splits' files as a manifest, when every split is a file dataset. */
function manifestOf(data: TrainingData, seed: number): SplitManifest | undefined {
  const parts = { train: data.train, validation: data.validation, test: data.test };
  const splits: Record<string, FileImageDataset> = {};
  for (const [name, dataset] of Object.entries(parts)) {
    if (dataset === undefined) continue;
    if (!(dataset instanceof FileImageDataset)) return undefined;
    splits[name] = dataset;
  }
  const manifests = Object.entries(splits).map(([name, dataset]) =>
    createSplitManifest({
      dataset,
      splits: { [name]: dataset.files.map((_, index) => index) },
      root: data.root as string,
      seed,
    }),
  );
  const [first] = manifests;
  if (first === undefined) return undefined;
  return { ...first, splits: Object.assign({}, ...manifests.map((manifest) => manifest.splits)) };
}

/** `--split-manifest`: the datasets a manifest lists, resolved against `<data>`. */
async function loadFromManifest(
  options: LoadTrainingDataOptions,
  path: string,
): Promise<TrainingData> {
  if (isCifarName(options.data)) {
    throw new InvalidArgumentError({
      argument: '--split-manifest',
      value: path,
      expected: `applies to an image folder, not to ${options.data}`,
    });
  }
  const manifest = await loadSplitManifest(path);
  const datasets = datasetsFromManifest({
    manifest,
    root: options.data,
    imageSize: options.preprocessing.inputSize,
    resize: options.preprocessing.resize,
    onBadImage: 'skip',
    ...(options.pixelCache ? { pixelCache: options.pixelCache } : {}),
  });
  const train = datasets.train;
  if (train === undefined) {
    throw new InvalidArgumentError({
      argument: '--split-manifest',
      value: path,
      expected: `must list a train split (it has: ${Object.keys(manifest.splits).join(', ')})`,
    });
  }
  return {
    train,
    validation: datasets.validation ?? datasets.val,
    test: datasets.test,
    classNames: manifest.classNames,
    ...described(resolve(options.data), `split manifest ${path}`),
    skipped: [],
    unreadable: train.badFiles,
    manifest: { ...manifest, root: resolve(options.data) },
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
