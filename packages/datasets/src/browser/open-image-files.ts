import {
  checkResizeOptions,
  FileFormatError,
  GraftError,
  type ImageBatch,
  type ImageDataset,
  InvalidArgumentError,
  type ResizePolicy,
} from '@graft/core';
import {
  compareCodeUnits,
  imageExtensionProblem,
  imageExtensions,
  type SplitName,
  splitFolders,
  splitRank,
} from '../image-extensions.js';
import type { DatasetBatchOptions } from '../pipeline/batch-options.js';
import { streamBatches } from '../pipeline/stream-batches.js';
import { decodeInBrowser, type ImageDecoder } from './decode-in-browser.js';
import { resizePixels } from './resize-pixels.js';

/** A file known by its relative path, e.g. from `<input webkitdirectory>` or a zip. */
export interface ImageFileEntry {
  /** Path with `/` separators: `class/file.jpg` or `train/class/file.jpg`, optionally under one root folder. */
  path: string;
  /** Reads the file's bytes. */
  read: () => Promise<Uint8Array>;
}

/** Wraps a browser `File` (its `webkitRelativePath`, else its name) as an {@link ImageFileEntry}. */
export function imageFileEntry(file: File): ImageFileEntry {
  return {
    path: file.webkitRelativePath || file.name,
    read: async () => new Uint8Array(await file.arrayBuffer()),
  };
}

/** Options of {@link openImageFiles}. */
export interface OpenImageFilesOptions {
  /** The files of the folder (any order). */
  files: readonly ImageFileEntry[];
  /** `[height, width]` of the batches. */
  imageSize: readonly [number, number];
  /** How images reach `imageSize` (bilinear or nearest here). Default: center-crop 0.875, bilinear. */
  resize?: ResizePolicy;
  /** `error` (default) or `skip` (bad images listed in `badFiles`). */
  onBadImage?: 'error' | 'skip';
  /** Decoder. Default {@link decodeInBrowser}. */
  decode?: ImageDecoder;
  /** Decodes in flight. Default 4. */
  concurrency?: number;
  /** Batches decoded ahead. Default 2. */
  prefetchBatches?: number;
}

/** One accepted file of an {@link ImageFileCollection}. */
export interface LabelledEntry {
  /** The entry. */
  entry: ImageFileEntry;
  /** Class index. */
  label: number;
  /** Split, for the `train/ val/ test/` layout. */
  split?: SplitName;
}

/** An image folder given as a list of files (browser counterpart of the Node `openImageFolder`). */
export interface ImageFileCollection {
  /** `classes` or `splits`. */
  layout: 'classes' | 'splits';
  /** Sorted class names. */
  classNames: readonly string[];
  /** Splits present. */
  splitNames: readonly SplitName[];
  /** Files skipped by extension or place, with the reason. */
  skipped: readonly { path: string; reason: string }[];
  /** Bad images skipped while streaming. */
  badFiles: readonly { path: string; reason: string }[];
  /** Dataset of a split (split layout) or of everything (class layout). */
  dataset(split?: SplitName): EntryImageDataset;
}

/**
 * Builds an image folder from a list of files with the same rules as the Node ImageFolder:
 * sorted class folder names, accepted extensions, `train/ val/ test/` layout; a single folder
 * above everything (the folder the user picked) is ignored.
 */
export function openImageFiles(options: OpenImageFilesOptions): ImageFileCollection {
  const paths = options.files.map((file) =>
    file.path.split(/[\\/]/).filter((part) => part.length > 0),
  );
  const firstParts = new Set(paths.map((parts) => parts[0]));
  // Drop the one folder every path starts with (the picked folder), if it is not a class or split.
  const strip =
    firstParts.size === 1 &&
    paths.every((parts) => parts.length >= 2) &&
    paths.some((parts) => parts.length >= 3)
      ? 1
      : 0;
  const relative = paths.map((parts) => parts.slice(strip));
  const isSplitLayout =
    relative.length > 0 &&
    relative.every((parts) => parts.length < 2 || splitFolders[parts[0] as string] !== undefined) &&
    relative.some((parts) => parts.length >= 3);
  const skipped: { path: string; reason: string }[] = [];
  const accepted: { entry: ImageFileEntry; className: string; split?: SplitName }[] = [];
  options.files.forEach((entry, index) => {
    const parts = relative[index] as string[];
    const depth = isSplitLayout ? 3 : 2;
    if (parts.length < depth) {
      skipped.push({ path: entry.path, reason: 'not inside a class folder' });
      return;
    }
    const problem = imageExtensionProblem(parts[parts.length - 1] as string);
    if (problem !== undefined) {
      skipped.push({ path: entry.path, reason: problem });
      return;
    }
    const className = parts[isSplitLayout ? 1 : 0] as string;
    accepted.push(
      isSplitLayout
        ? { entry, className, split: splitFolders[parts[0] as string] as SplitName }
        : { entry, className },
    );
  });
  if (accepted.length === 0) {
    throw new GraftError({
      code: 'DATA',
      message: `no images with an accepted extension (${imageExtensions.join(' ')}) among ${options.files.length} file(s)`,
    });
  }
  const classNames = [...new Set(accepted.map((item) => item.className))].sort(compareCodeUnits);
  accepted.sort(
    (a, b) =>
      (a.split === undefined ? 0 : splitRank(a.split)) -
        (b.split === undefined ? 0 : splitRank(b.split)) ||
      compareCodeUnits(a.className, b.className) ||
      compareCodeUnits(a.entry.path, b.entry.path),
  );
  const items: LabelledEntry[] = accepted.map((item) => ({
    entry: item.entry,
    label: classNames.indexOf(item.className),
    ...(item.split === undefined ? {} : { split: item.split }),
  }));
  const splitNames = [...new Set(items.flatMap((item) => (item.split ? [item.split] : [])))].sort(
    (a, b) => splitRank(a) - splitRank(b),
  );
  const badFiles: { path: string; reason: string }[] = [];
  const { files: _files, ...pipeline } = options;
  const everything = new EntryImageDataset({ ...pipeline, items, classNames, badFiles });
  return {
    layout: isSplitLayout ? 'splits' : 'classes',
    classNames,
    splitNames,
    skipped,
    badFiles,
    dataset(split?: SplitName): EntryImageDataset {
      if (!isSplitLayout) {
        if (split !== undefined) {
          throw new InvalidArgumentError({
            argument: 'split',
            value: split,
            expected: 'must be omitted: the files have no train/val/test folders',
          });
        }
        return everything;
      }
      if (split === undefined || !splitNames.includes(split)) {
        throw new InvalidArgumentError({
          argument: 'split',
          value: split,
          expected: `must be one of: ${splitNames.join(', ')}`,
        });
      }
      return everything.subset(
        items.flatMap((item, index) => (item.split === split ? [index] : [])),
      );
    },
  };
}

interface EntryImageDatasetOptions extends Omit<OpenImageFilesOptions, 'files'> {
  items: readonly LabelledEntry[];
  classNames: readonly string[];
  badFiles: { path: string; reason: string }[];
}

/**
 * An {@link ImageDataset} over {@link ImageFileEntry} items, decoded with a pluggable decoder
 * and resized with tfjs. Keys are the SHA-1 (hex) of each file's bytes (Web Crypto).
 */
export class EntryImageDataset implements ImageDataset {
  readonly classNames: readonly string[];
  readonly items: readonly LabelledEntry[];
  private readonly labelList: readonly number[];
  private readonly resize: ResizePolicy;

  constructor(private readonly options: EntryImageDatasetOptions) {
    this.resize = options.resize ?? {
      mode: 'center-crop',
      cropFraction: 0.875,
      interpolation: 'bilinear',
    };
    checkResizeOptions(options.imageSize, this.resize);
    this.classNames = options.classNames;
    this.items = options.items;
    this.labelList = options.items.map((item) => item.label);
  }

  get size(): number {
    return this.items.length;
  }

  labels(): readonly number[] {
    return this.labelList;
  }

  /** A dataset over `indices` of this one, in that order. */
  subset(indices: readonly number[]): EntryImageDataset {
    const items = indices.map((index) => {
      const item = this.items[index];
      if (!Number.isInteger(index) || item === undefined) {
        throw new InvalidArgumentError({
          argument: 'indices',
          value: index,
          expected: `must hold integers in [0, ${this.size - 1}]`,
        });
      }
      return item;
    });
    return new EntryImageDataset({ ...this.options, items });
  }

  batches(options: DatasetBatchOptions): AsyncIterable<ImageBatch> {
    const decode = this.options.decode ?? decodeInBrowser;
    return streamBatches({
      batch: options,
      labels: this.labelList,
      sourceOf: (index) => (this.items[index] as LabelledEntry).entry.path,
      load: async (index) => {
        const entry = (this.items[index] as LabelledEntry).entry;
        let bytes: Uint8Array;
        try {
          bytes = await entry.read();
        } catch (error) {
          throw new FileFormatError({
            file: entry.path,
            problem: `cannot read file (${String(error)})`,
            cause: error,
          });
        }
        const digest = await crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>);
        const key = [...new Uint8Array(digest)]
          .map((byte) => byte.toString(16).padStart(2, '0'))
          .join('');
        const decoded = await decode(bytes, entry.path);
        return { pixels: resizePixels(decoded, this.options.imageSize, this.resize), key };
      },
      imageSize: this.options.imageSize,
      onBadImage: this.options.onBadImage ?? 'error',
      onSkip: (source, error) =>
        this.options.badFiles.push({ path: source, reason: error.message }),
      concurrency: this.options.concurrency ?? 4,
      prefetchBatches: this.options.prefetchBatches ?? 2,
    });
  }
}
