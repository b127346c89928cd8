import type { ImageDataset, Preprocessing } from '@graft/core';
import { InvalidArgumentError, SeededRandom } from '@graft/core';
import { type FileImageDataset, openImageFolder } from '@graft/datasets/node';

/** The datasets of a run. */
export interface TrainingData {
  train: ImageDataset;
  validation: ImageDataset | undefined;
  test: ImageDataset | undefined;
  classNames: readonly string[];
  /** How the data was found, for the summary (e.g. `folder train/val`). */
  description: string;
  /** Files left out, with why (unsupported extension, unreadable). */
  skipped: readonly { path: string; reason: string }[];
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
}

/** Default split of a flat class folder. */
export const defaultSplit = [0.8, 0.1, 0.1] as const;

/**
 * Opens the training data: a `train/`+`val/` folder as is, a flat class folder split by
 * `--split` (stratified, seeded), or a CIFAR set by name.
 */
export async function loadTrainingData(options: LoadTrainingDataOptions): Promise<TrainingData> {
  if (options.data === 'cifar10' || options.data === 'cifar100') {
    throw new InvalidArgumentError({
      argument: '<data>',
      value: options.data,
      expected:
        'needs CIFAR support, which @graft/datasets does not provide yet; use an image folder',
    });
  }
  const folder = await openImageFolder({
    root: options.data,
    imageSize: options.preprocessing.inputSize,
    resize: options.preprocessing.resize,
    onBadImage: 'skip',
  });
  const skipped = [...folder.report.skipped];
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
        description: `${folder.root} (${folder.splitNames.join('/')} folders)`,
        skipped,
      };
    }
    const parts = splitStratified(train, options.split ?? defaultSplit, options.seed);
    return {
      ...parts,
      test: folder.splitNames.includes('test') ? folder.dataset('test') : parts.test,
      classNames: folder.classNames,
      description: `${folder.root} (train/ split ${formatSplit(options.split ?? defaultSplit)})`,
      skipped,
    };
  }
  const split = options.split ?? defaultSplit;
  return {
    ...splitStratified(folder.dataset(), split, options.seed),
    classNames: folder.classNames,
    description: `${folder.root} (class folders, split ${formatSplit(split)}, seed ${options.seed})`,
    skipped,
  };
}

function formatSplit(split: readonly number[]): string {
  return split.join('/');
}

/**
 * Splits per class so each part keeps the class balance; the same seed gives the same split.
 * Each non-empty fraction gets at least one image of a class when the class has enough.
 */
export function splitStratified(
  dataset: FileImageDataset,
  split: readonly [number, number, number],
  seed: number,
): { train: ImageDataset; validation: ImageDataset | undefined; test: ImageDataset | undefined } {
  const random = new SeededRandom(seed);
  const byClass = new Map<number, number[]>();
  dataset.labels().forEach((label, index) => {
    byClass.set(label, [...(byClass.get(label) ?? []), index]);
  });
  const parts: [number[], number[], number[]] = [[], [], []];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const indices = random.shuffle([...(byClass.get(label) ?? [])]);
    const validationCount = split[1] > 0 ? Math.max(1, Math.round(indices.length * split[1])) : 0;
    const testCount = split[2] > 0 ? Math.max(1, Math.round(indices.length * split[2])) : 0;
    const trainCount = Math.max(1, indices.length - validationCount - testCount);
    parts[0].push(...indices.slice(0, trainCount));
    parts[1].push(...indices.slice(trainCount, trainCount + validationCount));
    parts[2].push(...indices.slice(trainCount + validationCount));
  }
  return {
    train: dataset.subset(parts[0].sort((a, b) => a - b)),
    validation: parts[1].length > 0 ? dataset.subset(parts[1].sort((a, b) => a - b)) : undefined,
    test: parts[2].length > 0 ? dataset.subset(parts[2].sort((a, b) => a - b)) : undefined,
  };
}
