import type { Backbone, ImageAugmentation, ImageDataset } from '@graft/core';
import { backboneCacheIdentity } from './backbone-cache-identity.js';
import { checkFeatureComputer } from './check-feature-computer.js';
import { extractionBatches } from './extraction-batches.js';
import { featureCacheKeys } from './feature-cache-keys.js';
import type { FeatureComputer } from './feature-computer.js';
import { featureKeyPrefix } from './feature-key-prefix.js';
import type { FeatureStore } from './feature-store.js';
import type { FeatureTable } from './feature-table.js';
import { argMax, scatterRows } from './feature-table-rows.js';

export { augmentationSeed } from './augmentation-seed.js';
export type { FeatureTable };

import { storedFeatureTable } from './stored-feature-table.js';

/** Counters of one extraction. */
export interface ExtractionStats {
  /** Images seen. */
  images: number;
  /** Images whose features came from the store. */
  cacheHits: number;
  /** Batches run through the backbone (in this thread or by the `featureComputer`). */
  backboneCalls: number;
  /** Images run through the backbone. */
  backboneImages: number;
  /** The engine that ran the backbone (`featureComputer.engine.name`, else `tfjs`). */
  engine?: string;
}

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** The frozen backbone; run in inference mode. */
  backbone: Backbone;
  /** Images to featurise, in dataset order (not shuffled). */
  data: ImageDataset;
  /** Images per backbone call. */
  batchSize: number;
  /** Augmentation of this pass; omit for clean features. */
  augmentation?: ImageAugmentation;
  /** Pass number (0-based), mixed into augmentation seeds and cache keys. */
  pass?: number;
  /** Seed of the run, mixed into augmentation seeds. */
  seed?: number;
  /** Where features are looked up first and stored after computing. */
  store?: FeatureStore;
  /** Cancels the extraction. */
  signal?: AbortSignal;
  /** Called after each batch with the images done so far (and, of those, served by `store`). */
  onProgress?: (done: number, total: number, cached: number) => void;
  /**
   * Runs the backbone elsewhere (e.g. a pool of worker threads, each with its own copy of the
   * backbone). Decoding, augmentation, caching and normalization stay here; up to
   * `featureComputer.concurrency` batches are in flight while the next ones are decoded.
   * Default: `backbone` in this thread, one batch at a time.
   */
  featureComputer?: FeatureComputer;
}

/** A batch whose features are being computed, committed to the table in dataset order. */
interface PendingBatch {
  row: number;
  size: number;
  keys: string[];
  /** Rows run through the backbone (stored afterwards); the others came from the store. */
  computed: readonly number[];
  features: Promise<Float32Array>;
  /** Whether `features` has settled (so committing it will not wait). */
  settled: boolean;
  targets: Float32Array;
  sources: Array<string | undefined>;
}

/**
 * Runs the frozen backbone once over `data` (optionally through one augmentation pass) and
 * returns every feature vector with its target. Features already in `store` are not recomputed:
 * the key names the backbone's content (`backboneCacheIdentity`: architecture, weight bytes,
 * preprocessing and `weightsId`, so two networks never share features because they share a
 * name), the augmentation config + pass + seed (when augmenting) and the image's key (or a hash
 * of its pixels when the dataset gives no keys) and the engine when it is not tfjs
 * (`featureComputer.engine`); augmented keys also name the batch (`featureCacheKeys`). Only
 * the images the store misses run through the backbone, and a batch with every key cached skips
 * it entirely.
 */
export async function extractFeatures(
  options: ExtractFeaturesOptions,
): Promise<{ table: FeatureTable; stats: ExtractionStats }> {
  const { backbone, data, store } = options;
  const numClasses = data.classNames.length;
  const featureDim = backbone.featureDim;
  const count = data.size;
  const features = new Float32Array(count * featureDim);
  const targets = new Float32Array(count * numClasses);
  const labels = new Int32Array(count);
  const sources: Array<string | undefined> = [];
  const computer = options.featureComputer;
  const engine = computer?.engine?.name ?? 'tfjs';
  const stats: ExtractionStats = {
    images: 0,
    cacheHits: 0,
    backboneCalls: 0,
    backboneImages: 0,
    engine,
  };
  // Hashing MobileNetV2 1.0 costs 0.05–0.2 s (once per weights): only when something needs it.
  const identity =
    store !== undefined || computer?.cacheIdentity !== undefined
      ? await backboneCacheIdentity(backbone)
      : undefined;
  const prefix =
    identity === undefined ? 'uncached' : await featureKeyPrefix(options, identity, engine);
  if (computer) checkFeatureComputer(computer, backbone, identity);
  // Every clean feature already stored: no image is decoded (stored-feature-table.ts).
  const stored =
    store && !options.augmentation
      ? await storedFeatureTable({ data, store, prefix, featureDim })
      : undefined;
  if (stored) {
    options.onProgress?.(count, count, count);
    return { table: stored, stats: { ...stats, images: count, cacheHits: count } };
  }
  const concurrency = Math.max(1, computer?.concurrency ?? 1);
  const pending: PendingBatch[] = [];
  // Feature-store writes run while the next batches compute; all are awaited before returning.
  const writes: Promise<unknown>[] = [];
  let row = 0;
  let done = 0;

  // Rows are written in dataset order, whatever order the computer finishes batches in.
  const commit = async (entry: PendingBatch) => {
    const values = await entry.features;
    if (values.length !== entry.size * featureDim) {
      throw new RangeError(
        `Feature computation returned ${values.length} values for ${entry.size} images of ${featureDim} features.`,
      );
    }
    features.set(values, entry.row * featureDim);
    stats.cacheHits += entry.size - entry.computed.length;
    if (entry.computed.length > 0) {
      stats.backboneCalls++;
      stats.backboneImages += entry.computed.length;
      if (store) {
        const written = Promise.all(
          entry.computed.map((index) =>
            store.set(
              entry.keys[index] as string,
              values.slice(index * featureDim, (index + 1) * featureDim),
            ),
          ),
        );
        // Rejections are collected below, not reported as unhandled meanwhile.
        written.catch(() => undefined);
        writes.push(written);
      }
    }
    targets.set(entry.targets, entry.row * numClasses);
    for (let index = 0; index < entry.size; index++) {
      labels[entry.row + index] = argMax(entry.targets, index * numClasses, numClasses);
      sources.push(entry.sources[index]);
    }
    done += entry.size;
    stats.images += entry.size;
    options.onProgress?.(done, count, stats.cacheHits);
  };

  try {
    for await (const batch of extractionBatches({
      backbone,
      data,
      batchSize: options.batchSize,
      ...(options.augmentation ? { augmentation: options.augmentation } : {}),
      pass: options.pass ?? 0,
      seed: options.seed ?? 0,
      ...(computer ? { computer } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      try {
        const size = batch.size;
        if (row + size > count) {
          throw new RangeError(`The dataset yielded more than its size (${count}) images.`);
        }
        const keys = await featureCacheKeys({
          prefix,
          imageKeys: batch.imageKeys,
          augmented: options.augmentation !== undefined,
        });
        const cached = store ? await Promise.all(keys.map((key) => store.get(key))) : [];
        // Only the images the store misses run through the backbone (one changed file in a
        // batch costs one image, not the batch).
        const computed = Array.from({ length: size }, (_, index) => index).filter(
          (index) => cached[index]?.length !== featureDim,
        );
        const joined = new Float32Array(size * featureDim);
        cached.forEach((entry, index) => {
          if (entry?.length === featureDim) joined.set(entry, index * featureDim);
        });
        let values: Promise<Float32Array>;
        if (computed.length === 0) {
          values = Promise.resolve(joined);
        } else {
          const rows = batch.compute(computed);
          values =
            computed.length === size
              ? rows
              : rows.then((result) => scatterRows(joined, result, computed, featureDim));
          // Awaited in order by `commit`; this only keeps an early rejection from being reported
          // as unhandled while earlier batches are still being awaited.
          values.catch(() => undefined);
        }
        const entry: PendingBatch = {
          row,
          size,
          keys,
          computed,
          features: values,
          settled: false,
          targets: batch.targets,
          sources: batch.sources,
        };
        const markSettled = () => {
          entry.settled = true;
        };
        values.then(markSettled, markSettled);
        pending.push(entry);
        row += size;
      } finally {
        batch.dispose();
      }
      // Commit what is finished at once (progress as soon as possible), and wait for the oldest
      // batch only when `concurrency` batches are in flight.
      while (pending.length >= concurrency || pending[0]?.settled) {
        await commit(pending.shift() as PendingBatch);
      }
    }
    while (pending.length > 0) await commit(pending.shift() as PendingBatch);
    await Promise.all(writes);
  } finally {
    // After an error or abort, batches still in flight are abandoned (their rejections are
    // already handled above); writes already started finish before the error is passed on.
    pending.length = 0;
    await Promise.allSettled(writes);
  }
  return {
    table: {
      count: row,
      featureDim,
      numClasses,
      features: row === count ? features : features.slice(0, row * featureDim),
      targets: row === count ? targets : targets.slice(0, row * numClasses),
      labels: row === count ? labels : labels.slice(0, row),
      sources,
    },
    stats,
  };
}
