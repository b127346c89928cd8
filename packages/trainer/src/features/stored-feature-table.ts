import type { ImageDataset } from '@graft/core';
import { featureCacheKeys } from './feature-cache-keys.js';
import type { FeatureStore } from './feature-store.js';
import type { FeatureTable } from './feature-table.js';

/** Options of {@link storedFeatureTable}. */
export interface StoredFeatureTableOptions {
  /** The dataset of a clean (not augmented) pass. */
  data: ImageDataset;
  /** Where features are looked up. */
  store: FeatureStore;
  /** The pass's key prefix (backbone identity, engine, `clean`), as `extractFeatures` builds it. */
  prefix: string;
  /** Length of one feature vector; a stored vector of another length is a miss. */
  featureDim: number;
}

/**
 * The whole clean pass's feature table straight from `store`, without decoding a single image,
 * when the dataset can name its images' keys without decoding (`ImageDataset.imageKeys`) and
 * every one of them is stored; otherwise `undefined` (the caller decodes as usual). A re-run on
 * cached features, and a calibration on the validation features the run just computed, then
 * cost a file read and a hash per image instead of a JPEG decode and resize.
 */
export async function storedFeatureTable(
  options: StoredFeatureTableOptions,
): Promise<FeatureTable | undefined> {
  const { data, store, featureDim } = options;
  if (data.imageKeys === undefined || data.size === 0) return undefined;
  // The first image first: on a cold cache (a first run) that is one file read and one lookup,
  // not a read and a hash of every file before the decoding starts anyway.
  const first = await data.imageKeys({ limit: 1 }).catch(() => undefined);
  const [firstKey] = first
    ? await featureCacheKeys({ prefix: options.prefix, imageKeys: first.keys, augmented: false })
    : [];
  const firstFeatures = firstKey === undefined ? undefined : await store.get(firstKey);
  if (firstFeatures?.length !== featureDim) return undefined;
  // Unreadable files and the like: the decoding path reports them as it always has.
  const found = await data.imageKeys().catch(() => undefined);
  if (found === undefined || found.keys.length !== data.size) return undefined;
  const keys = await featureCacheKeys({
    prefix: options.prefix,
    imageKeys: found.keys,
    augmented: false,
  });
  // A first file changed meanwhile: the decoding path sorts it out.
  if (keys[0] !== firstKey) return undefined;
  const count = data.size;
  const features = new Float32Array(count * featureDim);
  // The first row is the one just read (read once: a store counts its hits). The others a few
  // lookups at a time (a disk store reads a file and touches it per key), up to the first miss.
  features.set(firstFeatures, 0);
  let next = 1;
  let complete = true;
  const reader = async () => {
    while (complete && next < count) {
      const row = next++;
      const stored = await store.get(keys[row] as string);
      if (stored?.length !== featureDim) {
        complete = false;
        return;
      }
      features.set(stored, row * featureDim);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, count - 1) }, reader));
  if (!complete) return undefined;
  const numClasses = data.classNames.length;
  const labels = Int32Array.from(data.labels());
  const targets = new Float32Array(count * numClasses);
  labels.forEach((label, row) => {
    targets[row * numClasses + label] = 1;
  });
  return {
    count,
    featureDim,
    numClasses,
    features,
    targets,
    labels,
    sources: [...found.sources],
  };
}
