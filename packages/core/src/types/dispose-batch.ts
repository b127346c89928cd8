import type { ImageBatch } from './image.js';

/** Disposes a batch's tensors (images and labels). */
export function disposeBatch(batch: ImageBatch): void {
  batch.images.dispose();
  batch.labels.dispose();
}
