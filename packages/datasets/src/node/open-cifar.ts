import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AssetNotFoundError,
  checkResizeOptions,
  FileFormatError,
  GraftError,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  type ResizePolicy,
} from '@graft/core';
import { type DownloadProgress, defaultCacheDir, resolveAsset } from '@graft/core/node';
import type { DatasetBatchOptions } from '../pipeline/batch-options.js';
import { streamBatches } from '../pipeline/stream-batches.js';
import {
  type CifarFormat,
  type CifarVariant,
  cifarFormats,
  cifarImageBytes,
} from './cifar-formats.js';
import { resizeDecoded } from './decode-image.js';
import { extractTarGz } from './extract-tar-gz.js';

/** Where to find CIFAR files and how to get them. */
export interface CifarLocationOptions {
  /** `cifar-10` or `cifar-100`. */
  variant: CifarVariant;
  /**
   * A folder holding the extracted binary files (`data_batch_1.bin` …, or `train.bin` …). When
   * given, nothing is downloaded.
   */
  directory?: string;
  /** Cache directory (default: core's `defaultCacheDir()`); data goes to `<cache>/cifar/`. */
  cacheDir?: string;
  /** Mirror roots holding `cifar/<archive>` (default `GRAFT_MIRROR`). */
  mirrorDirs?: readonly string[];
  /** Never download (default `GRAFT_OFFLINE=1`). */
  offline?: boolean;
  /** Expected md5 of the archive. Default: the one published for the official archive. */
  md5?: string;
  /** Download progress. */
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels a download. */
  signal?: AbortSignal;
  /** The fetch to use (tests inject one). */
  fetch?: typeof fetch;
}

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
 * Finds the folder of extracted CIFAR binary files: `directory` if given; else
 * `<cache>/cifar/<folder>` if complete; else the archive (cache → mirror → download from the
 * official URL), md5-verified and safely extracted into the cache. Offline without a copy, an
 * {@link AssetNotFoundError} says which file to put where.
 */
export async function resolveCifarDirectory(options: CifarLocationOptions): Promise<string> {
  const format = formatOf(options.variant);
  if (options.directory !== undefined) return resolve(options.directory);
  const cacheDir = resolve(options.cacheDir ?? defaultCacheDir());
  const extracted = join(cacheDir, 'cifar', format.folder);
  const required = [...format.files.train, ...format.files.test, format.labelNameFiles.fine];
  if (await allFilesExist(extracted, required)) return extracted;

  const archivePath = join(cacheDir, 'cifar', format.archive);
  let archive: Awaited<ReturnType<typeof resolveAsset>>;
  try {
    archive = await resolveAsset({
      relativePath: `cifar/${format.archive}`,
      url: format.url,
      cacheDir,
      ...(options.mirrorDirs === undefined ? {} : { mirrorDirs: options.mirrorDirs }),
      ...(options.offline === undefined ? {} : { offline: options.offline }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  } catch (error) {
    if (!AssetNotFoundError.isInstance(error)) throw error;
    const offline = options.offline ?? process.env.GRAFT_OFFLINE === '1';
    throw new AssetNotFoundError({
      fileName: format.archive,
      searched: [extracted, ...error.searched],
      putItAt:
        `${archivePath}, or extract it so that ${join(extracted, required[0] as string)} exists, ` +
        'or pass the folder of extracted files as `directory`',
      url: format.url,
      reason: offline
        ? 'offline mode (GRAFT_OFFLINE=1) forbids downloading and no extracted copy exists'
        : 'it is not cached and downloading it failed',
      cause: error,
    });
  }

  const expectedMd5 = options.md5 ?? format.md5;
  const actualMd5 = await md5File(archive.path);
  if (actualMd5 !== expectedMd5) {
    // A bad cached/downloaded archive is moved aside so the next run fetches it again.
    if (archive.origin === 'cache' || archive.origin === 'download') {
      await rename(archive.path, `${archive.path}.corrupt-${Date.now()}`);
    }
    throw new GraftError({
      code: 'CHECKSUM_MISMATCH',
      message: `${archive.path} has md5 ${actualMd5}, expected ${expectedMd5} (${format.archive} from ${format.url}).`,
    });
  }
  const staging = join(cacheDir, 'cifar', `${format.folder}.extracting`);
  await extractTarGz({ archive: archive.path, destination: staging });
  try {
    if (!(await allFilesExist(join(staging, format.folder), required))) {
      throw new FileFormatError({
        file: archive.path,
        problem: `the archive has no complete ${format.folder}/ folder (expected ${required.join(', ')})`,
      });
    }
    await rm(extracted, { recursive: true, force: true });
    await rename(join(staging, format.folder), extracted);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return extracted;
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
  const format = formatOf(options.variant);
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

/** One CIFAR data file. */
interface CifarFile {
  path: string;
  /** Global number of its first record. */
  firstRecord: number;
  /** Records in the file. */
  count: number;
}

interface CifarDatasetInit {
  files: readonly CifarFile[];
  recordBytes: number;
  labelBytes: number;
  classNames: readonly string[];
  /** Global record numbers of this dataset's items. */
  records: readonly number[];
  /** Labels of every record in the files (by global record number). */
  allLabels: readonly number[];
  imageSize: readonly [number, number];
  resize: ResizePolicy;
  concurrency: number;
  prefetchBatches: number;
}

/**
 * A CIFAR split as an {@link ImageDataset}. Keys are the sha1 of each image's 3072 pixel bytes;
 * sources are `<file>#<record>`.
 */
export class CifarDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly imageSize: readonly [number, number];
  private readonly labelList: readonly number[];

  constructor(private readonly init: CifarDatasetInit) {
    this.classNames = init.classNames;
    this.imageSize = init.imageSize;
    this.labelList = init.records.map((record) => init.allLabels[record] as number);
  }

  get size(): number {
    return this.init.records.length;
  }

  labels(): readonly number[] {
    return this.labelList;
  }

  /** A dataset over `indices` of this one, in that order. */
  subset(indices: readonly number[]): CifarDataset {
    const records = indices.map((index) => {
      const record = this.init.records[index];
      if (!Number.isInteger(index) || record === undefined) {
        throw new InvalidArgumentError({
          argument: 'indices',
          value: index,
          expected: `must hold integers in [0, ${this.size - 1}]`,
        });
      }
      return record;
    });
    return new CifarDataset({ ...this.init, records });
  }

  async *batches(options: DatasetBatchOptions): AsyncGenerator<ImageBatch> {
    const handles = new Map<string, Promise<FileHandle>>();
    const handleFor = (path: string): Promise<FileHandle> => {
      let handle = handles.get(path);
      if (handle === undefined) {
        handle = open(path, 'r');
        handles.set(path, handle);
      }
      return handle;
    };
    try {
      yield* streamBatches({
        batch: options,
        labels: this.labelList,
        sourceOf: (index) => {
          const { file, local } = this.locate(index);
          return `${file.path}#${local}`;
        },
        load: async (index) => {
          const { file, local } = this.locate(index);
          const record = Buffer.alloc(this.init.recordBytes);
          const handle = await handleFor(file.path);
          const { bytesRead } = await handle.read(
            record,
            0,
            record.length,
            local * this.init.recordBytes,
          );
          if (bytesRead !== record.length) {
            throw new FileFormatError({
              file: file.path,
              problem: `record ${local} is truncated (file changed since it was opened?)`,
            });
          }
          const planar = record.subarray(this.init.labelBytes);
          const key = createHash('sha1').update(planar).digest('hex');
          const rgb = planarToInterleaved(planar);
          const pixels = await resizeDecoded(
            { width: 32, height: 32, data: rgb },
            `${file.path}#${local}`,
            {
              imageSize: this.imageSize,
              resize: this.init.resize,
            },
          );
          return { pixels, key };
        },
        imageSize: this.imageSize,
        onBadImage: 'error',
        concurrency: this.init.concurrency,
        prefetchBatches: this.init.prefetchBatches,
      });
    } finally {
      for (const handle of handles.values()) {
        await handle.then((opened) => opened.close()).catch(() => undefined);
      }
    }
  }

  private locate(index: number): { file: CifarFile; local: number } {
    const record = this.init.records[index] as number;
    for (const file of this.init.files) {
      if (record < file.firstRecord + file.count) return { file, local: record - file.firstRecord };
    }
    throw new GraftError({ code: 'INTERNAL', message: `CIFAR record ${record} is in no file` });
  }
}

/** Planar `[3][32][32]` to interleaved `[32][32][3]`. */
function planarToInterleaved(planar: Uint8Array): Uint8Array {
  const pixels = 1024;
  const rgb = new Uint8Array(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel++) {
    rgb[pixel * 3] = planar[pixel] as number;
    rgb[pixel * 3 + 1] = planar[pixels + pixel] as number;
    rgb[pixel * 3 + 2] = planar[2 * pixels + pixel] as number;
  }
  return rgb;
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

function formatOf(variant: CifarVariant): CifarFormat {
  const format = cifarFormats[variant];
  if (format === undefined) {
    throw new InvalidArgumentError({
      argument: 'variant',
      value: variant,
      expected: `must be one of: ${Object.keys(cifarFormats).join(', ')}`,
    });
  }
  return format;
}

async function allFilesExist(folder: string, names: readonly string[]): Promise<boolean> {
  for (const name of names) {
    try {
      if (!(await stat(join(folder, name))).isFile()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
