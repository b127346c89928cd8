import { GraftError, type PixelImageBatch } from '@graft/core';
import { type StreamLoadedBatchesOptions, streamLoadedBatches } from './stream-loaded-batches.js';

/** Options of {@link streamPixelBatches}. */
export interface StreamPixelBatchesOptions extends StreamLoadedBatchesOptions {
  /** `[height, width]` of every loaded image. */
  imageSize: readonly [number, number];
}

/**
 * The batches `streamBatches` would make from the same options (same order, same skipped
 * images), as one byte buffer each and class indices, with no tensor: for consumers that hand
 * the pixels to another thread or engine. Every load must give RGB bytes.
 */
export async function* streamPixelBatches(
  options: StreamPixelBatchesOptions,
): AsyncGenerator<PixelImageBatch> {
  const [height, width] = options.imageSize;
  const pixelsPerImage = height * width * 3;
  for await (const items of streamLoadedBatches(options)) {
    const count = items.length;
    // A new buffer each batch: the consumer owns it (and may transfer it away).
    const pixels = new Uint8Array(count * pixelsPerImage);
    items.forEach(({ loaded, source }, slot) => {
      if (!(loaded.pixels instanceof Uint8Array) || loaded.pixels.length !== pixelsPerImage) {
        throw new GraftError({
          code: 'INTERNAL',
          message: `${source}: loaded ${describe(loaded.pixels)}, expected ${pixelsPerImage} bytes (${height}x${width}x3)`,
        });
      }
      pixels.set(loaded.pixels, slot * pixelsPerImage);
    });
    yield {
      pixels,
      shape: [count, height, width, 3],
      labels: Int32Array.from(items, (item) => options.labels[item.index] as number),
      keys: items.map((item) => item.loaded.key),
      sources: items.map((item) => item.source),
    };
  }
}

function describe(pixels: unknown): string {
  if (pixels instanceof Uint8Array) return `${pixels.length} bytes`;
  if (pixels instanceof Float32Array) return `${pixels.length} float32 values`;
  return 'a pixel writer';
}
