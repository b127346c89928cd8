import { basename, dirname } from 'node:path';
import { GraftError, InvalidArgumentError, type Preprocessing } from '@graft/core';
import { multiLabelSplit } from '@graft/datasets';
import {
  FileImageDataset,
  type ImageFile,
  type PixelCacheOptions,
  readMultiLabelCsv,
  type SkippedFile,
  scanMultiLabelFolder,
} from '@graft/datasets/node';
import { parseHeadSpecification } from '../config/head-specification.js';
import { isCsvPath } from '../config/multi-label-options.js';
import type { TrainingData } from './training-data.js';

/** Where a multi-label run's labels come from. */
export type MultiLabelSource =
  | {
      /** A CSV of image paths and delimited labels. */
      kind: 'csv';
      /** The CSV file. */
      csv: string;
      /** Folder the CSV's image paths are relative to. */
      imagesRoot: string;
      /** Separator of the labels in a cell. */
      labelDelimiter: string;
    }
  | {
      /** Class folders where an image in several folders (same bytes) has every one's label. */
      kind: 'folder';
      /** The folder. */
      root: string;
    };

/**
 * Decides from `<data>`, `--labels` and `--head` whether a run is multi-label, and where its
 * labels are: a CSV (`<data>` ending in `.csv`, or `--labels <csv>` with `<data>` the images'
 * folder) or, with `--head multi-label`, a class-folder tree. Undefined for a single-label run.
 * A CSV with a softmax head, or `--head multi-label` on CIFAR, is an error naming both options.
 */
export function multiLabelSourceOf(config: {
  data: string;
  head: string;
  labels: string | undefined;
  labelDelimiter: string;
  splitManifest?: string | undefined;
}): MultiLabelSource | undefined {
  const head = parseHeadSpecification(config.head).name;
  const csv = config.labels ?? (isCsvPath(config.data) ? config.data : undefined);
  if (head !== 'multi-label') {
    if (csv === undefined) return undefined;
    throw new InvalidArgumentError({
      argument: '--head',
      value: config.head,
      expected: `must be multi-label for multi-label data: ${config.labels !== undefined ? `--labels ${csv}` : `<data> ${csv}`} gives each image a set of labels (sigmoid outputs, binary cross-entropy); pass --head multi-label, or give single-label data (one class folder per class) without --labels`,
    });
  }
  if (config.data === 'cifar10' || config.data === 'cifar100') {
    throw new InvalidArgumentError({
      argument: '--head',
      value: config.head,
      expected: `needs multi-label data, but ${config.data} has one label per image; use --head linear (or mlp), or give --labels <csv> with several labels per image`,
    });
  }
  if (config.splitManifest !== undefined) {
    throw new InvalidArgumentError({
      argument: '--split-manifest',
      value: config.splitManifest,
      expected:
        'is not supported with --head multi-label yet (a manifest records one label per file); leave it out, the split is seeded by --seed',
    });
  }
  if (csv !== undefined) {
    return {
      kind: 'csv',
      csv,
      imagesRoot: config.labels !== undefined ? config.data : dirname(csv),
      labelDelimiter: config.labelDelimiter,
    };
  }
  return { kind: 'folder', root: config.data };
}

/** Default split of multi-label data without its own splits. */
const defaultMultiLabelSplit = [0.8, 0.1, 0.1] as const;

/**
 * Opens multi-label training data: reads the CSV (or hashes the class folders), splits it by
 * iterative stratification (seeded) unless the folder has `train/ val/` already, and returns
 * multi-hot datasets. A class-folder tree where no image carries two labels is an error naming
 * `--head multi-label` and the single-label alternative.
 */
export async function loadMultiLabelData(options: {
  source: MultiLabelSource;
  split: readonly [number, number, number] | undefined;
  seed: number;
  preprocessing: Preprocessing;
  pixelCache?: PixelCacheOptions | undefined;
}): Promise<TrainingData> {
  const { source } = options;
  const skipped: SkippedFile[] = [];
  const badFiles: SkippedFile[] = [];
  let files: ImageFile[];
  let classNames: string[];
  let layout: string;
  let root: string;
  if (source.kind === 'csv') {
    const csv = await readMultiLabelCsv({
      csv: source.csv,
      imagesRoot: source.imagesRoot,
      labelDelimiter: source.labelDelimiter,
    });
    files = csv.files;
    classNames = csv.classNames;
    root = csv.imagesRoot;
    layout = `multi-label CSV ${basename(csv.csv)}, columns ${csv.columns.image}/${csv.columns.labels}`;
  } else {
    const scan = await scanMultiLabelFolder({ root: source.root, onBadImage: 'skip' });
    if (scan.multiLabelImages === 0) {
      throw new GraftError({
        code: 'INVALID_ARGUMENT',
        message: `--head multi-label needs multi-label data, but ${scan.root} is single-label: no image is in more than one class folder. Use --head linear (or mlp) for one label per image, or give --labels <csv> (image,labels columns, labels separated by --label-delimiter) for several`,
      });
    }
    skipped.push(...scan.skipped);
    files = scan.files;
    classNames = scan.classNames;
    root = scan.root;
    layout = `multi-label class folders (${scan.multiLabelImages} images in several)`;
  }
  const dataset = (subset: readonly ImageFile[]) =>
    new FileImageDataset({
      files: subset,
      classNames,
      imageSize: options.preprocessing.inputSize,
      resize: options.preprocessing.resize,
      onBadImage: 'skip',
      badFiles,
      multiLabel: true,
      ...(options.pixelCache ? { pixelCache: options.pixelCache } : {}),
    });
  const inSplit = (name: string) => files.filter((file) => file.split === name);
  if (inSplit('train').length > 0 && inSplit('val').length > 0) {
    const test = inSplit('test');
    return {
      train: dataset(inSplit('train')),
      validation: dataset(inSplit('val')),
      test: test.length > 0 ? dataset(test) : undefined,
      classNames,
      description: `${root} (${layout}, train/val folders)`,
      root,
      layout: `${layout}, train/val folders`,
      skipped,
      unreadable: badFiles,
    };
  }
  const split = options.split ?? defaultMultiLabelSplit;
  const named: Record<string, number> = { train: split[0] };
  if (split[1] > 0) named.validation = split[1];
  if (split[2] > 0) named.test = split[2];
  const { splits } = multiLabelSplit({
    labelSets: files.map((file) => file.labelSet ?? [file.label]),
    numLabels: classNames.length,
    fractions: named,
    seed: options.seed,
  });
  const part = (name: string) => {
    const indices = (splits as Record<string, number[]>)[name] ?? [];
    return indices.length > 0
      ? dataset(indices.map((index) => files[index] as ImageFile))
      : undefined;
  };
  const splitLayout = `${layout}, split ${split.join('/')} by iterative stratification, seed ${options.seed}`;
  return {
    train: part('train') ?? dataset(files),
    validation: part('validation'),
    test: part('test'),
    classNames,
    description: `${root} (${splitLayout})`,
    root,
    layout: splitLayout,
    skipped,
    unreadable: badFiles,
  };
}
