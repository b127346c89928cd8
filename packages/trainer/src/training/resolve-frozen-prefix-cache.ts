import type { Callback } from '@graft/core';
import type { TrainerCallback } from '../callbacks/trainer-context.js';
import {
  defaultFrozenPrefixCacheBytes,
  type FrozenPrefixCache,
  type FrozenPrefixCacheReport,
  type FrozenPrefixCacheSetting,
  isFrozenPrefixCache,
  prepareFrozenPrefixCache,
} from './frozen-prefix-cache.js';
import { notifyExtraction, notifyNotice } from './notify-callbacks.js';
import type { TrainOptions } from './train-options.js';

/** The frozen-prefix cache a fine-tuning run trains on, and whether the run owns it. */
export interface ResolvedFrozenPrefixCache {
  /** The cache, when one is used. */
  cache?: FrozenPrefixCache;
  /** Whether the cache was used, or why not. */
  report: FrozenPrefixCacheReport;
  /** Whether the caller passed the cache in (then the caller disposes it, not the run). */
  shared: boolean;
}

/**
 * Fine-tuning behind a frozen prefix: takes the caller's cache, or computes the frozen layers'
 * activations once (frozen-prefix-cache.ts); either way the callbacks are told why.
 */
export async function resolveFrozenPrefixCache(settings: {
  /** The run's options (backbone, head, data, cache setting and budget, seed, signal). */
  options: TrainOptions;
  /** Extra loss terms need the images, so they block the cache. */
  hasLossTerms: boolean;
  /** Told of progress and of the outcome. */
  callbacks: readonly (Callback | TrainerCallback)[];
}): Promise<ResolvedFrozenPrefixCache> {
  const { options, hasLossTerms, callbacks } = settings;
  if (isFrozenPrefixCache(options.frozenPrefixCache)) {
    const cache = options.frozenPrefixCache;
    await notifyNotice(callbacks, cache.report.message);
    return { cache, report: cache.report, shared: true };
  }
  const { signal } = options;
  const { cache, report } = await prepareFrozenPrefixCache(
    {
      backbone: options.backbone,
      trainData: options.trainData,
      ...(options.validationData ? { validationData: options.validationData } : {}),
      setting: (options.frozenPrefixCache as FrozenPrefixCacheSetting | undefined) ?? 'auto',
      ...(options.keepBackboneFrozen === true ? {} : { unfreezeFrom: options.unfreezeFrom }),
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      ...(options.augmentedViews !== undefined ? { augmentedViews: options.augmentedViews } : {}),
      ...(hasLossTerms ? { blockedBy: 'loss terms need the images' } : {}),
      budgetBytes: options.frozenPrefixCacheBytes ?? defaultFrozenPrefixCacheBytes,
      batchSize: options.extractionBatchSize ?? 32,
      seed: options.seed ?? 0,
      ...(options.prefixRunner ? { prefixRunner: options.prefixRunner } : {}),
      ...(signal ? { signal } : {}),
      onProgress: (progress) => notifyExtraction(callbacks, progress),
    },
    options.head,
  );
  await notifyNotice(callbacks, report.message);
  return { ...(cache ? { cache } : {}), report, shared: false };
}
