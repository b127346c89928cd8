import type { ResizePolicy } from '@graft/core';
import type { DecodePrefetch } from './decode-prefetch.js';
import type { PixelCacheOptions } from './pixel-cache.js';

/** How a `FileImageDataset` decodes and streams. */
export interface ImagePipelineOptions {
  /** `[height, width]` every image is resized to, e.g. the backbone's `inputSize`. */
  imageSize: readonly [number, number];
  /** How images of another size reach `imageSize`. Default: center-crop 0.875, bilinear. */
  resize?: ResizePolicy;
  /** `error` (default): a corrupt image stops the stream. `skip`: it is left out and listed in `badFiles`. */
  onBadImage?: 'error' | 'skip';
  /**
   * Loads in flight at once (decodes run on libuv's thread pool, or in the view threads).
   * Default 4; for `viewBatches` with `viewThreads`, 4 per thread.
   */
  concurrency?: number;
  /** Batches decoded ahead of the consumer. Default 2. */
  prefetchBatches?: number;
  /**
   * Largest declared `width * height` decoded; a larger image is a bad image (skipped with
   * `onBadImage: 'skip'`). Default `defaultMaximumPixels` (2^28).
   */
  maximumPixels?: number;
  /**
   * Decoded-pixel cache for augmented views (`viewBatches`): frames stored once as raw bytes,
   * read with no decode on later passes. Default: none (every pass decodes the files).
   */
  pixelCache?: PixelCacheOptions;
  /**
   * Worker threads that cut augmented views (`viewBatches`) out of their frames. 0 (default):
   * this thread cuts them. On a cached epoch the cut is most of the work left, so 1 lets a
   * second core do it while this one normalizes and trains.
   */
  viewThreads?: number;
  /**
   * Files already being decoded in worker threads (`DecodePrefetch`): `batches()` takes a file's
   * pixels from it when it was decoded to this dataset's size and resize, else decodes the file.
   */
  decodePrefetch?: DecodePrefetch;
}

/** The default resize policy: torchvision/timm evaluation style. */
export const defaultResizePolicy: ResizePolicy = {
  mode: 'center-crop',
  cropFraction: 0.875,
  interpolation: 'bilinear',
};
