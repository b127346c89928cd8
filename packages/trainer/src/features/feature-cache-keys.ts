import { sha256Hex } from './sha256.js';

/**
 * Store keys of one batch's images. Clean features depend on the image alone: `prefix|key`.
 * Augmented features also depend on the batch (one augmentation seed per batch, random draws by
 * position, mixup/cutmix mixing neighbours), so their keys also name every image of the batch
 * and the position: a changed batch composition (an image added, a new split) is a miss, never
 * another view or another mix served for the same image.
 */
export async function featureCacheKeys(options: {
  /** Key prefix: backbone identity, engine, augmentation pass (see `extractFeatures`). */
  prefix: string;
  /** The batch's image keys (content keys, or pixel hashes). */
  imageKeys: readonly string[];
  /** Whether the batch's images were augmented. */
  augmented: boolean;
}): Promise<string[]> {
  const { prefix, imageKeys } = options;
  if (!options.augmented) return imageKeys.map((key) => `${prefix}|${key}`);
  const batch = await sha256Hex(imageKeys.join('\n'));
  return imageKeys.map((key, index) => `${prefix}|batch=${batch}|${index}|${key}`);
}
