import type { ImageAugmentation, ImageDataset } from '@graft/core';
import { fusesAugmentation } from '../training/fuse-augmentation.js';
import { sha256Hex } from './sha256.js';

/** The parts of `extractFeatures`' options the features depend on besides the backbone. */
export interface FeatureKeyPrefixOptions {
  /** The images (whether their views are cut by the decoder changes the features). */
  data: ImageDataset;
  /** Augmentation of the pass, if any. */
  augmentation?: ImageAugmentation;
  /** Index of the augmented pass. Default 0. */
  pass?: number;
  /** Seed of the augmentation. Default 0. */
  seed?: number;
  /** Images per batch (augmentation draws one seed per batch). */
  batchSize: number;
}

/**
 * The sha256 every feature-cache key of a pass starts with: the backbone's identity, the engine
 * (other than tfjs) and the augmentation, pass, seed and batch size (or `clean`).
 */
export function featureKeyPrefix(
  options: FeatureKeyPrefixOptions,
  identity: string,
  engine: string,
): Promise<string> {
  const parts = [`backbone=${identity}`];
  // Engines agree only to rounding: another engine's features are cached apart. tfjs adds
  // nothing, so the keys (and caches) written before engines existed stay valid.
  if (engine !== 'tfjs') parts.push(`engine=${engine}`);
  if (options.augmentation) {
    // Augmented features depend on the batch composition too (one seed per batch).
    parts.push(
      JSON.stringify(options.augmentation.toConfig()),
      `pass=${options.pass ?? 0}`,
      `seed=${options.seed ?? 0}`,
      `batch=${options.batchSize}`,
    );
    // Crops cut by the decoder are resampled differently from the tensor ops' (fuse-augmentation.ts).
    if (fusesAugmentation(options.data, options.augmentation)) parts.push('views=decoder');
  } else {
    parts.push('clean');
  }
  return sha256Hex(parts.join('\n'));
}
