import { FileFormatError, InvalidArgumentError } from '@graft/core';
import { FileImageDataset, type ImagePipelineOptions } from './file-image-dataset.js';
import {
  type FindImageDuplicatesOptions,
  findImageDuplicates,
  type ImageDuplicateReport,
} from './find-image-duplicates.js';
import { mapLimited } from './map-limited.js';
import { readImageSize } from './read-image-size.js';
import {
  type ImageFile,
  type ImageFolderScan,
  type SkippedFile,
  type SplitName,
  scanImageFolder,
} from './scan-image-folder.js';

/** Options of {@link openImageFolder}. */
export interface OpenImageFolderOptions extends ImagePipelineOptions {
  /** Folder of class folders, or of `train/ val/ test/` folders each holding class folders. */
  root: string;
}

/** What was left out of an image folder, never silently. */
export interface ImageFolderReport {
  /** Files skipped for their extension or place (e.g. `imageNotFound.gif`). */
  skipped: readonly SkippedFile[];
  /** Number of skipped files per lower-case extension (`''` for none). */
  skippedByExtension: Readonly<Record<string, number>>;
  /** Images that failed to decode and were skipped (grows as `batches()`/`inspect()` find them). */
  badFiles: readonly SkippedFile[];
  /** Class folders without any image (with `onBadImage: 'skip'`). */
  emptyClassFolders: readonly string[];
  /** Per split, classes with no folder in that split. */
  missingClasses: Readonly<Partial<Record<SplitName, string[]>>>;
}

/** Statistics of a number over the images. */
export interface NumberStatistics {
  min: number;
  max: number;
  mean: number;
}

/** What {@link ImageFolder.inspect} found. */
export interface ImageFolderInspection {
  /** Folder layout. */
  layout: 'classes' | 'splits';
  /** Class names. */
  classNames: readonly string[];
  /** Images per class name, per split (`all` for the whole folder). */
  counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Images per split (and `all`). */
  totals: Readonly<Record<string, number>>;
  /** Largest class count / smallest class count over the whole folder (`Infinity` if a class is empty). */
  imbalanceRatio: number;
  /** Sizes of the images that could be read (after EXIF orientation); absent with `check: 'none'`. */
  imageSizes?: { count: number; width: NumberStatistics; height: NumberStatistics };
  /** Files skipped by extension or place. */
  skipped: readonly SkippedFile[];
  /** Images that failed to decode. */
  badFiles: readonly SkippedFile[];
  /** Class folders without any image. */
  emptyClassFolders: readonly string[];
  /** Per split, classes with no folder in that split. */
  missingClasses: Readonly<Partial<Record<SplitName, string[]>>>;
}

/** Options of {@link ImageFolder.inspect}. */
export interface InspectOptions {
  /**
   * `header` (default): read each image's header for its size (fast; finds unreadable and
   * non-image files). `full`: decode every pixel too (also finds truncated files). `none`: counts only.
   */
  check?: 'none' | 'header' | 'full';
  /** Files read at once. Default 8. */
  concurrency?: number;
  /** Stops the inspection. */
  signal?: AbortSignal;
}

/** An image folder: its classes, splits, datasets and report. */
export interface ImageFolder {
  /** Absolute root. */
  readonly root: string;
  /** `classes` or `splits` (`train/ val/ test/`). */
  readonly layout: 'classes' | 'splits';
  /** Sorted class names, shared by every split. */
  readonly classNames: readonly string[];
  /** Splits present (empty for the `classes` layout). */
  readonly splitNames: readonly SplitName[];
  /** What was left out. */
  readonly report: ImageFolderReport;
  /**
   * The dataset of one split (`split` required for the split layout), or of the whole folder
   * (`split` omitted, `classes` layout).
   */
  dataset(split?: SplitName): FileImageDataset;
  /** Counts, imbalance, image sizes and bad files. */
  inspect(options?: InspectOptions): Promise<ImageFolderInspection>;
  /**
   * Exact and near duplicates over every split (see `findImageDuplicates`): within a class,
   * across classes, across splits. Undecodable files are added to `report.badFiles`.
   */
  findDuplicates(options?: FolderDuplicateOptions): Promise<ImageDuplicateReport>;
}

/** Options of {@link ImageFolder.findDuplicates}: those of `findImageDuplicates` but the files. */
export type FolderDuplicateOptions = Omit<FindImageDuplicatesOptions, 'files' | 'classNames'>;

/**
 * Opens an image folder (torchvision `ImageFolder` semantics, see `scanImageFolder`) and gives
 * datasets that stream batches at `imageSize`.
 *
 * ```ts
 * const folder = await openImageFolder({ root: 'hymenoptera', imageSize: [224, 224] });
 * const train = folder.dataset('train'); // 244 images, classNames ['ants', 'bees']
 * folder.report.skipped; // [{ path: '…/train/ants/imageNotFound.gif', reason: 'unsupported extension .gif' }]
 * ```
 */
export async function openImageFolder(options: OpenImageFolderOptions): Promise<ImageFolder> {
  const scan = await scanImageFolder({ root: options.root, onBadImage: options.onBadImage });
  const badFiles: SkippedFile[] = [];
  const { root: _root, ...pipeline } = options;
  const everything = new FileImageDataset({
    ...pipeline,
    files: scan.files,
    classNames: scan.classNames,
    badFiles,
  });
  const skippedByExtension: Record<string, number> = {};
  for (const file of scan.skipped) {
    const match = /\.[^./\\]*$/.exec(file.path);
    const extension = match ? match[0].toLowerCase() : '';
    skippedByExtension[extension] = (skippedByExtension[extension] ?? 0) + 1;
  }
  const report: ImageFolderReport = {
    skipped: scan.skipped,
    skippedByExtension,
    badFiles,
    emptyClassFolders: scan.emptyClassFolders,
    missingClasses: scan.missingClasses,
  };
  return {
    root: scan.root,
    layout: scan.layout,
    classNames: scan.classNames,
    splitNames: scan.splitNames,
    report,
    dataset(split?: SplitName): FileImageDataset {
      if (scan.layout === 'classes') {
        if (split !== undefined) {
          throw new InvalidArgumentError({
            argument: 'split',
            value: split,
            expected: `must be omitted: ${scan.root} has no train/val/test folders`,
          });
        }
        return everything;
      }
      if (split === undefined || !scan.splitNames.includes(split)) {
        throw new InvalidArgumentError({
          argument: 'split',
          value: split,
          expected: `must be one of the splits in ${scan.root}: ${scan.splitNames.join(', ')}`,
        });
      }
      const indices = scan.files.flatMap((file, index) => (file.split === split ? [index] : []));
      return everything.subset(indices);
    },
    inspect: (inspectOptions) =>
      inspectFolder(scan, badFiles, {
        ...(options.maximumPixels === undefined ? {} : { maximumPixels: options.maximumPixels }),
        ...inspectOptions,
      }),
    async findDuplicates(duplicateOptions) {
      const report = await findImageDuplicates({
        ...duplicateOptions,
        files: scan.files,
        classNames: scan.classNames,
      });
      const known = new Set(badFiles.map((file) => file.path));
      for (const file of report.unreadable) if (!known.has(file.path)) badFiles.push(file);
      return report;
    },
  };
}

async function inspectFolder(
  scan: ImageFolderScan,
  badFiles: SkippedFile[],
  options: InspectOptions & { maximumPixels?: number },
): Promise<ImageFolderInspection> {
  const check = options.check ?? 'header';
  const counts: Record<string, Record<string, number>> = {};
  const totals: Record<string, number> = {};
  const groups = scan.layout === 'splits' ? [...scan.splitNames, 'all'] : ['all'];
  for (const group of groups) {
    counts[group] = Object.fromEntries(scan.classNames.map((name) => [name, 0]));
    totals[group] = 0;
  }
  for (const file of scan.files) {
    for (const group of file.split === undefined ? ['all'] : [file.split, 'all']) {
      const className = scan.classNames[file.label] as string;
      (counts[group] as Record<string, number>)[className] =
        ((counts[group] as Record<string, number>)[className] ?? 0) + 1;
      totals[group] = (totals[group] ?? 0) + 1;
    }
  }
  const allCounts = Object.values(counts.all as Record<string, number>);
  const imbalanceRatio = Math.max(...allCounts) / Math.min(...allCounts);

  let imageSizes: ImageFolderInspection['imageSizes'];
  if (check !== 'none') {
    const widths: number[] = [];
    const heights: number[] = [];
    const known = new Set(badFiles.map((file) => file.path));
    await mapLimited({
      items: scan.files,
      limit: options.concurrency ?? 8,
      ...(options.signal ? { signal: options.signal } : {}),
      map: async (file: ImageFile) => {
        try {
          const size = await readImageSize({
            path: file.path,
            check,
            ...(options.maximumPixels === undefined
              ? {}
              : { maximumPixels: options.maximumPixels }),
          });
          widths.push(size.width);
          heights.push(size.height);
        } catch (error) {
          if (!FileFormatError.isInstance(error)) throw error;
          if (!known.has(file.path)) badFiles.push({ path: file.path, reason: error.message });
        }
      },
    });
    if (widths.length > 0) {
      imageSizes = { count: widths.length, width: statistics(widths), height: statistics(heights) };
    }
  }
  return {
    layout: scan.layout,
    classNames: scan.classNames,
    counts,
    totals,
    imbalanceRatio,
    ...(imageSizes === undefined ? {} : { imageSizes }),
    skipped: scan.skipped,
    badFiles: [...badFiles],
    emptyClassFolders: scan.emptyClassFolders,
    missingClasses: scan.missingClasses,
  };
}

function statistics(values: readonly number[]): NumberStatistics {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
  }
  return { min, max, mean: sum / values.length };
}
