import {
  checkResizeOptions,
  type DatasetImageKeys,
  type FileFormatError,
  type ImageBatch,
  type ImageDataset,
  type ImageKeysOptions,
  InvalidArgumentError,
  type PixelImageBatch,
  type ResizePolicy,
  type ViewBatchOptions,
  type ViewBatchSource,
} from '@graft/core';
import { maximumPixelsOf } from '../decoders/pixel-limit.js';
import type { DatasetBatchOptions } from '../pipeline/batch-options.js';
import { streamBatches } from '../pipeline/stream-batches.js';
import { streamPixelBatches } from '../pipeline/stream-pixel-batches.js';
import { checkLabelSets } from './check-label-sets.js';
import { contentKey } from './content-key.js';
import { decodeImage } from './decode-image.js';
import type { DecodePrefetch } from './decode-prefetch.js';
import { defaultResizePolicy, type ImagePipelineOptions } from './image-pipeline-options.js';
import { mapLimited } from './map-limited.js';
import { defaultFrameScale, PixelCache, type PixelCacheOptions } from './pixel-cache.js';
import { readImageBytes } from './read-image-bytes.js';
import type { ImageFile, SkippedFile } from './scan-image-folder.js';
import { streamFileViews } from './stream-file-views.js';

export { defaultResizePolicy, type ImagePipelineOptions } from './image-pipeline-options.js';

/** Options of the {@link FileImageDataset} constructor. */
export interface FileImageDatasetOptions extends ImagePipelineOptions {
  /** The images, in dataset order. */
  files: readonly ImageFile[];
  /** Class names; labels index into them. */
  classNames: readonly string[];
  /** Where skipped bad images are recorded (shared with a report). Default: a new list. */
  badFiles?: SkippedFile[];
  /**
   * Multi-label: every file carries `labelSet` and batches carry `[N, classes]` float32
   * multi-hot labels (`labels()` still gives each file's first label). Default `false`.
   */
  multiLabel?: boolean;
}

/**
 * An {@link ImageDataset} over image files on disk. Keeps only paths and labels in memory;
 * `batches()` reads, decodes and resizes with bounded concurrency and prefetch.
 *
 * Keys: the sha1 (hex) of each file's bytes, so a key follows the content (renaming or copying a
 * file keeps it; editing it changes it), and costs nothing extra since the bytes are read anyway.
 */
export class FileImageDataset implements ImageDataset, ViewBatchSource {
  readonly classNames: readonly string[];
  readonly files: readonly ImageFile[];
  readonly imageSize: readonly [number, number];
  readonly resize: ResizePolicy;
  readonly onBadImage: 'error' | 'skip';
  /** Bad images skipped so far by `batches()` (with `onBadImage: 'skip'`), each listed once. */
  readonly badFiles: SkippedFile[];
  /** Batches carry multi-hot `[N, classes]` labels (see {@link FileImageDatasetOptions.multiLabel}). */
  readonly multiLabel: boolean;
  /** As given (`undefined`: the default of each stream). */
  private readonly concurrency: number | undefined;
  private readonly prefetchBatches: number;
  private readonly maximumPixels: number;
  private readonly labelList: readonly number[];
  private readonly pixelCacheOptions: PixelCacheOptions | undefined;
  private readonly viewThreads: number;
  private readonly decodePrefetch: DecodePrefetch | undefined;
  private pixelCache: PixelCache | undefined;

  constructor(options: FileImageDatasetOptions) {
    const resize = options.resize ?? defaultResizePolicy;
    checkResizeOptions(options.imageSize, resize);
    const onBadImage = options.onBadImage ?? 'error';
    if (onBadImage !== 'error' && onBadImage !== 'skip') {
      throw new InvalidArgumentError({
        argument: 'onBadImage',
        value: onBadImage,
        expected: 'must be one of: error, skip',
      });
    }
    this.classNames = [...options.classNames];
    this.files = options.files;
    this.imageSize = [options.imageSize[0], options.imageSize[1]];
    this.resize = resize;
    this.onBadImage = onBadImage;
    this.badFiles = options.badFiles ?? [];
    this.concurrency = options.concurrency;
    this.prefetchBatches = options.prefetchBatches ?? 2;
    this.maximumPixels = maximumPixelsOf(options);
    this.labelList = options.files.map((file) => file.label);
    this.pixelCacheOptions = options.pixelCache;
    this.viewThreads = options.viewThreads ?? 0;
    this.decodePrefetch = options.decodePrefetch;
    if (!Number.isInteger(this.viewThreads) || this.viewThreads < 0) {
      throw new InvalidArgumentError({
        argument: 'viewThreads',
        value: options.viewThreads,
        expected: 'must be an integer >= 0 (0: cut views on the calling thread)',
      });
    }
    this.multiLabel = options.multiLabel ?? false;
    if (this.multiLabel) checkLabelSets(options.files, this.classNames.length);
  }

  /** Multi-label: every file's label indices, in dataset order (single-label: `[label]`). */
  labelSets(): readonly (readonly number[])[] {
    return this.files.map((file) => file.labelSet ?? [file.label]);
  }

  get size(): number {
    return this.files.length;
  }

  labels(): readonly number[] {
    return this.labelList;
  }

  /**
   * Every file's content key (the sha1 its batches carry) and path, reading the files but not
   * decoding them (~0.1 ms a file; none for a file the decode prefetch has already decoded, whose
   * key it computed from the same bytes); `undefined` for a multi-label dataset (its batches'
   * multi-hot labels are not `labels()`). A file that would fail to decode still gets a key.
   */
  async imageKeys(options: ImageKeysOptions = {}): Promise<DatasetImageKeys | undefined> {
    if (this.multiLabel) return undefined;
    const limit = options.limit ?? this.files.length;
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidArgumentError({
        argument: 'limit',
        value: options.limit,
        expected: 'must be an integer >= 0',
      });
    }
    const sources = this.files.slice(0, limit).map((file) => file.path);
    const keys = await mapLimited({
      items: sources,
      limit: 8,
      map: async (source) =>
        this.decodePrefetch?.decodedKey(source) ?? contentKey(await readImageBytes(source)),
    });
    return { keys, sources };
  }

  /** A dataset over `indices` of this one (in that order), sharing its options and bad-file list. */
  subset(indices: readonly number[]): FileImageDataset {
    const files = indices.map((index) => {
      const file = this.files[index];
      if (!Number.isInteger(index) || file === undefined) {
        throw new InvalidArgumentError({
          argument: 'indices',
          value: index,
          expected: `must hold integers in [0, ${this.files.length - 1}]`,
        });
      }
      return file;
    });
    return this.derive(files);
  }

  /** The same files with other pipeline options (image size, resize, concurrency …). */
  withOptions(options: Partial<ImagePipelineOptions>): FileImageDataset {
    return new FileImageDataset({
      ...this.pipelineOptions(),
      ...options,
      files: this.files,
      classNames: this.classNames,
      badFiles: this.badFiles,
      multiLabel: this.multiLabel,
    });
  }

  batches(options: DatasetBatchOptions): AsyncIterable<ImageBatch> {
    return streamBatches({
      ...this.streamOptions(options),
      load: (index) => this.load((this.files[index] as ImageFile).path),
      imageSize: this.imageSize,
    });
  }

  /**
   * The batches of {@link batches} as RGB bytes with no tensor (`undefined` for a multi-label
   * dataset): `extractFeatures` hands them to a feature computer that normalizes off this thread.
   */
  pixelBatches(options: DatasetBatchOptions): AsyncIterable<PixelImageBatch> | undefined {
    if (this.multiLabel) return undefined;
    return streamPixelBatches({
      ...this.streamOptions(options),
      load: (index) => this.load((this.files[index] as ImageFile).path),
      imageSize: this.imageSize,
    });
  }

  /**
   * Streams augmented views: each image is decoded into its frame (the clean crop window at
   * `frameScale` times the image size, by libvips on a libuv thread; or read from the pixel
   * cache when one is set and valid), then cut by its view (crop, bilinear resize to
   * `outputSize`, mirror) in one JavaScript pass, with no tensor op on the main thread. Image `p` of the epoch order gets
   * `viewsOf(floor(p / batchSize), …)[p % batchSize]` (the batch it lands in when no image is
   * skipped). The clean `batches()` path is untouched.
   */
  viewBatches(options: ViewBatchOptions): AsyncIterable<ImageBatch> {
    return streamFileViews({
      files: this.files,
      views: options,
      imageSize: this.imageSize,
      resize: this.resize,
      maximumPixels: this.maximumPixels,
      frameScale: this.pixelCacheOptions?.frameScale ?? defaultFrameScale,
      pixelCacheFor: (frameSize, frameScale) => this.pixelCacheFor(frameSize, frameScale),
      viewThreads: this.viewThreads,
      // With view threads, a few loads queued per thread keep them busy while this thread
      // assembles batches (4 in all left them idle ~10% of a first epoch).
      stream: this.streamOptions(options, this.concurrency ?? 4 * Math.max(1, this.viewThreads)),
    });
  }

  /**
   * Resolves once the pixel cache file of every view pass finished so far is on disk: a pass
   * publishes it in the background (flushed and renamed while the next work goes on), and the
   * next pass waits for it anyway. For a caller that must see the file (a test, a tool that
   * copies the cache). Immediate without a pixel cache.
   */
  async pixelCacheWritten(): Promise<void> {
    await this.pixelCache?.written();
  }

  /** The pixel cache of this dataset's files and frame geometry (made once), if configured. */
  private pixelCacheFor(
    frameSize: readonly [number, number],
    frameScale: number,
  ): PixelCache | undefined {
    if (this.pixelCacheOptions === undefined) return undefined;
    this.pixelCache ??= new PixelCache({
      options: this.pixelCacheOptions,
      sources: this.files.map((file) => file.path),
      frameBytes: frameSize[0] * frameSize[1] * 3,
      identity: JSON.stringify({
        frameSize,
        frameScale,
        resize: this.resize,
        size: this.imageSize,
      }),
    });
    return this.pixelCache;
  }

  /** The parts of `streamBatches`' options every stream of this dataset shares; `loads` in flight. */
  private streamOptions(options: DatasetBatchOptions, loads = this.concurrency ?? 4) {
    return {
      batch: options,
      labels: this.labelList,
      ...(this.multiLabel
        ? { multiHot: { labelSets: this.labelSets(), numLabels: this.classNames.length } }
        : {}),
      sourceOf: (index: number) => (this.files[index] as ImageFile).path,
      onBadImage: this.onBadImage,
      onSkip: (source: string, error: FileFormatError) => {
        // Every epoch (and augmented pass) meets the same bad file again: list it once.
        if (!this.badFiles.some((file) => file.path === source)) {
          this.badFiles.push({ path: source, reason: error.message });
        }
      },
      concurrency: loads,
      prefetchBatches: this.prefetchBatches,
    };
  }

  private async load(path: string): Promise<{ pixels: Uint8Array; key: string }> {
    const target = {
      imageSize: this.imageSize,
      resize: this.resize,
      maximumPixels: this.maximumPixels,
    };
    const prefetched = await this.decodePrefetch?.take(path, target);
    if (prefetched) return prefetched;
    const bytes = await readImageBytes(path);
    const key = contentKey(bytes);
    const pixels = await decodeImage(bytes, path, target);
    return { pixels, key };
  }

  private pipelineOptions(): ImagePipelineOptions {
    return {
      imageSize: this.imageSize,
      resize: this.resize,
      onBadImage: this.onBadImage,
      ...(this.concurrency !== undefined ? { concurrency: this.concurrency } : {}),
      prefetchBatches: this.prefetchBatches,
      maximumPixels: this.maximumPixels,
      ...(this.pixelCacheOptions ? { pixelCache: this.pixelCacheOptions } : {}),
      viewThreads: this.viewThreads,
      ...(this.decodePrefetch ? { decodePrefetch: this.decodePrefetch } : {}),
    };
  }

  private derive(files: readonly ImageFile[]): FileImageDataset {
    return new FileImageDataset({
      ...this.pipelineOptions(),
      files,
      classNames: this.classNames,
      badFiles: this.badFiles,
      multiLabel: this.multiLabel,
    });
  }
}
