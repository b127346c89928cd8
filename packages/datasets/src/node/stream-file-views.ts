import {
  GraftError,
  type ImageBatch,
  type ImageView,
  InvalidArgumentError,
  normalizationConstants,
  type Preprocessing,
  type ResizePolicy,
  type ViewBatchOptions,
} from '@graft/core';
import type { ChannelTransform } from '../pipeline/crop-resize-into.js';
import type { StreamBatchesOptions } from '../pipeline/stream-batches.js';
import { streamBatches } from '../pipeline/stream-batches.js';
import { contentKey } from './content-key.js';
import { cutViewInto, decodeFrame, frameSizeOf } from './decode-view.js';
import { defaultFrameScale, type PixelCache } from './pixel-cache.js';
import { readImageBytes } from './read-image-bytes.js';
import type { ImageFile } from './scan-image-folder.js';
import { sharedViewCutPool, type ViewCutPool } from './view-cut-pool.js';

/** Options of {@link streamFileViews}. */
export interface StreamFileViewsOptions {
  /** The images, in dataset order. */
  files: readonly ImageFile[];
  /** The augmented views asked for (batch options, `viewsOf`, output size). */
  views: ViewBatchOptions;
  /** `[height, width]` of the clean images, around which frames are decoded. */
  imageSize: readonly [number, number];
  /** Resize policy of the clean images (it places the frame's crop window). */
  resize: ResizePolicy;
  /** Largest declared `width * height` decoded. */
  maximumPixels: number;
  /** Frame size over the clean crop window (the pixel cache's `frameScale`), at least 1. */
  frameScale: number;
  /** The pixel cache for a frame geometry, or `undefined` when none is configured. */
  pixelCacheFor: (
    frameSize: readonly [number, number],
    frameScale: number,
  ) => PixelCache | undefined;
  /**
   * Worker threads cutting views (and reading and decoding the frames the pixel cache does not
   * hold); 0 does it all on this thread, decodes on libuv's.
   */
  viewThreads: number;
  /** The rest of `streamBatches`' options (labels, sources, bad images, concurrency). */
  stream: Omit<StreamBatchesOptions, 'load' | 'imageSize'>;
}

/**
 * Streams augmented views of image files: each image is decoded into its frame (the clean crop
 * window at `frameScale` times the image size, `decodeFrame`; or read from the pixel cache when
 * one is set and valid), then cut by its view (crop, bilinear resize to
 * `outputSize`, mirror) in one JavaScript pass, with no tensor op on the main thread. Image `p`
 * of the epoch order gets `viewsOf(floor(p / batchSize), …)[p % batchSize]`.
 */
export async function* streamFileViews(
  options: StreamFileViewsOptions,
): AsyncGenerator<ImageBatch> {
  const frameScale = options.frameScale;
  if (!Number.isFinite(frameScale) || frameScale < 1) {
    throw new InvalidArgumentError({
      argument: 'pixelCache.frameScale',
      value: frameScale,
      expected: `must be a number >= 1 (default ${defaultFrameScale})`,
    });
  }
  const target = {
    imageSize: options.imageSize,
    resize: options.resize,
    frameScale,
    maximumPixels: options.maximumPixels,
  };
  const frameSize = frameSizeOf(target);
  const cache = options.pixelCacheFor(frameSize, frameScale);
  const pass = cache && !cache.disabled ? await cache.startPass() : undefined;
  const { views: request, files } = options;
  const batchSize = request.batchSize;
  const views = new Map<number, readonly ImageView[]>();
  const viewAt = (position: number): ImageView => {
    const batchIndex = Math.floor(position / batchSize);
    let batchViews = views.get(batchIndex);
    if (batchViews === undefined) {
      const count = Math.min(batchSize, files.length - batchIndex * batchSize);
      batchViews = request.viewsOf(batchIndex, count);
      views.set(batchIndex, batchViews);
      views.delete(batchIndex - 2);
    }
    const view = batchViews[position % batchSize];
    if (view === undefined) {
      throw new InvalidArgumentError({
        argument: 'viewsOf',
        value: batchViews.length,
        expected: `must return one view per image of batch ${batchIndex}`,
      });
    }
    return view;
  };
  const cut = { frameSize, frameScale, outputSize: request.outputSize };
  const transform = transformOf(request.normalizeFor);
  const pool = options.viewThreads > 0 ? sharedViewCutPool(options.viewThreads) : undefined;
  // Cached frames cut on this thread are dead once cut: their buffers are read into again
  // (bounded by the loads in flight), rather than allocating ~235 KB per image and epoch.
  const spareFrames: Uint8Array[] = [];
  const reuseFrames = pool === undefined && pass !== undefined && !pass.writing;
  const load = async (index: number, position: number) => {
    const path = (files[index] as ImageFile).path;
    const view = viewAt(position);
    const spare = reuseFrames ? spareFrames.pop() : undefined;
    const hit = pass ? await pass.get(index, spare) : undefined;
    if (spare !== undefined && hit?.frame !== spare) spareFrames.push(spare);
    let frame = hit?.frame;
    let key = hit?.key;
    if ((frame === undefined || key === undefined) && pool !== undefined) {
      // A miss with threads: read, decode and cut there, and the frame written to the cache file
      // there too (it never comes to this thread). On any failure the file is loaded again
      // below, on this thread, so a bad file fails (or is skipped) exactly as without.
      const cacheFile = pass?.writing ? await pass.frameSlot(index) : undefined;
      const loaded = await pool
        .load(path, target, view, cut, transform, cacheFile)
        .catch(() => undefined);
      if (loaded !== undefined) {
        if (loaded.frame) pass?.put(index, loaded.frame, loaded.key);
        else pass?.stored(index, loaded.key);
        return { pixels: fromSlot(pool, loaded.slot), key: loaded.key };
      }
    }
    if (frame === undefined || key === undefined) {
      const bytes = await readImageBytes(path);
      key = contentKey(bytes);
      frame = await decodeFrame(bytes, path, target);
    }
    pass?.put(index, frame, key);
    if (pool === undefined) {
      // Cut when the image takes its batch slot: straight into the batch buffer, no copy.
      const source = frame;
      const pixels = (images: Float32Array, offset: number) => {
        try {
          cutViewInto(source, view, cut, images, offset, transform);
        } catch (error) {
          throw cutError(path, error);
        }
        if (reuseFrames && hit?.frame === source) spareFrames.push(source);
      };
      return { pixels, key };
    }
    // A pass that writes the cache still holds the frame (its write is pending): copy it.
    const slot = await pool
      .cut(frame, view, cut, transform, !(pass?.writing ?? false))
      .catch((error: unknown) => {
        throw cutError(path, error);
      });
    return { pixels: fromSlot(pool, slot), key };
  };
  let finishing = false;
  try {
    yield* streamBatches({
      ...options.stream,
      load,
      imageSize: request.outputSize,
      ...(transform ? { normalized: true } : {}),
    });
    if (cache && pass) {
      cache.finishInBackground(pass);
      finishing = true;
    }
  } finally {
    // An unfinished pass (error, abort, the consumer stopping early) publishes nothing.
    if (!finishing) await pass?.close();
  }
}

/**
 * Copies a view a thread cut into `slot` to its place in the batch when the image takes it, and
 * hands the slot back to `pool`.
 */
function fromSlot(pool: ViewCutPool, slot: Float32Array) {
  return (images: Float32Array, offset: number) => {
    images.set(slot, offset);
    pool.release(slot);
  };
}

/** The float32 multiply-add of `normalizeImages` for `preprocessing`, or none. */
function transformOf(preprocessing: Preprocessing | undefined): ChannelTransform | undefined {
  if (preprocessing === undefined) return undefined;
  const { multiplier, offset } = normalizationConstants(preprocessing);
  return { multiplier, offset, reverseChannels: preprocessing.channelOrder === 'bgr' };
}

/** A failed cut, naming the image it was cut from. */
function cutError(path: string, error: unknown): GraftError {
  const message = error instanceof Error ? error.message : String(error);
  return new GraftError({
    code: 'INTERNAL',
    message: `${path}: cutting its augmented view failed (${message})`,
    cause: error,
  });
}
