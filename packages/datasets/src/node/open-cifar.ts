import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkResizeOptions,
  FileFormatError,
  type ImageDataset,
  InvalidArgumentError,
  type ResizePolicy,
} from '@graft/core';
import { CifarDataset, type CifarFile } from './cifar-dataset.js';
import { type CifarVariant, cifarFormatOf, cifarImageBytes } from './cifar-formats.js';
import { type CifarLocationOptions, resolveCifarDirectory } from './resolve-cifar-directory.js';

/** Options of {@link openCifar}. */
export interface OpenCifarOptions extends CifarLocationOptions {
  /** `train` (50,000 images) or `test` (10,000). */
  split: 'train' | 'test';
  /** CIFAR-100 only: `fine` (100 classes, default) or `coarse` (20 superclasses). */
  labelKind?: 'fine' | 'coarse';
  /** `[height, width]` of the batches. Default `[32, 32]` (no resizing). */
  imageSize?: readonly [number, number];
  /** How 32x32 images reach `imageSize`. Default: stretch, bilinear. */
  resize?: ResizePolicy;
  /** Records read/resized at once. Default 4. */
  concurrency?: number;
  /** Batches prepared ahead. Default 2. */
  prefetchBatches?: number;
}

/**
 * Opens a CIFAR-10 or CIFAR-100 split (binary version) as an {@link ImageDataset}. Only labels
 * are kept in memory; image records are read from the files as batches are streamed.
 *
 * ```ts
 * const train = await openCifar({ variant: 'cifar-10', split: 'train', imageSize: [224, 224] });
 * train.classNames; // ['airplane', 'automobile', …]
 * ```
 */
export async function openCifar(options: OpenCifarOptions): Promise<CifarDataset> {
  const format = cifarFormatOf(options.variant);
  if (options.split !== 'train' && options.split !== 'test') {
    throw new InvalidArgumentError({
      argument: 'split',
      value: options.split,
      expected: 'must be one of: train, test',
    });
  }
  const labelKind = options.labelKind ?? 'fine';
  if (labelKind !== 'fine' && labelKind !== 'coarse') {
    throw new InvalidArgumentError({
      argument: 'labelKind',
      value: labelKind,
      expected: 'must be one of: fine, coarse',
    });
  }
  if (labelKind === 'coarse' && format.labelNameFiles.coarse === undefined) {
    throw new InvalidArgumentError({
      argument: 'labelKind',
      value: labelKind,
      expected: `must be fine for ${options.variant} (only cifar-100 has coarse labels)`,
    });
  }
  const directory = await resolveCifarDirectory(options);
  const classCount = (
    labelKind === 'coarse' ? format.classCount.coarse : format.classCount.fine
  ) as number;
  const namesFile = join(
    directory,
    (labelKind === 'coarse' ? format.labelNameFiles.coarse : format.labelNameFiles.fine) as string,
  );
  const classNames = await readLabelNames(namesFile, classCount);
  // CIFAR-100 records start with the coarse label, then the fine one.
  const labelOffset = format.labelBytes === 2 && labelKind === 'fine' ? 1 : 0;
  const recordBytes = format.labelBytes + cifarImageBytes;
  const files: CifarFile[] = [];
  const labels: number[] = [];
  for (const name of format.files[options.split]) {
    const path = join(directory, name);
    const fileLabels = await readRecordLabels({
      path,
      recordBytes,
      labelOffset,
      classCount,
      variant: options.variant,
    });
    files.push({ path, firstRecord: labels.length, count: fileLabels.length });
    labels.push(...fileLabels);
  }
  const imageSize = options.imageSize ?? [32, 32];
  const resize = options.resize ?? { mode: 'stretch', interpolation: 'bilinear' };
  checkResizeOptions(imageSize, resize);
  return new CifarDataset({
    files,
    recordBytes,
    labelBytes: format.labelBytes,
    classNames,
    records: labels.map((_, index) => index),
    allLabels: labels,
    imageSize: [imageSize[0], imageSize[1]],
    resize,
    concurrency: options.concurrency ?? 4,
    prefetchBatches: options.prefetchBatches ?? 2,
  });
}

async function readRecordLabels(options: {
  path: string;
  recordBytes: number;
  labelOffset: number;
  classCount: number;
  variant: CifarVariant;
}): Promise<number[]> {
  const { path, recordBytes, labelOffset, classCount } = options;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `missing ${options.variant} data file (${(error as NodeJS.ErrnoException).code})`,
      cause: error,
    });
  }
  if (size === 0 || size % recordBytes !== 0) {
    throw new FileFormatError({
      file: path,
      problem:
        `size ${size} bytes is not a positive multiple of the ${recordBytes}-byte ${options.variant} record ` +
        `(${Math.floor(size / recordBytes)} whole records and ${size % recordBytes} bytes left over): truncated or not ${options.variant} binary`,
    });
  }
  const labels: number[] = [];
  let position = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    // The label byte of record r sits at r * recordBytes + labelOffset.
    let offset = (labelOffset - (position % recordBytes) + recordBytes) % recordBytes;
    for (; offset < bytes.length; offset += recordBytes) {
      const label = bytes[offset] as number;
      if (label >= classCount) {
        throw new FileFormatError({
          file: path,
          problem: `record ${labels.length} has label ${label}, expected < ${classCount}: not ${options.variant} binary, or the wrong variant`,
        });
      }
      labels.push(label);
    }
    position += bytes.length;
  }
  return labels;
}

async function readLabelNames(path: string, classCount: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FileFormatError({
      file: path,
      problem: `missing label-name file (${(error as NodeJS.ErrnoException).code})`,
      cause: error,
    });
  }
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== classCount) {
    throw new FileFormatError({
      file: path,
      problem: `has ${names.length} label names, expected ${classCount}`,
    });
  }
  return names;
}
