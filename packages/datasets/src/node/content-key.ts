import { createHash } from 'node:crypto';

/**
 * The content key of an image file: the sha1 (hex) of its bytes. Batches carry it as `keys`,
 * and duplicate detection groups files by it, so both agree on what "the same image" is.
 */
export function contentKey(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}
