import { FileFormatError, InvalidArgumentError } from '@graft/core';
import type { DuplicateCandidate, DuplicateReport } from '../cleaning/duplicate-report.js';
import { checkCosineThreshold, checkHammingThreshold } from '../cleaning/duplicate-thresholds.js';
import { findDuplicates } from '../cleaning/find-duplicates.js';
import { hashImageFile } from './hash-image-file.js';
import type { ImageFile, SkippedFile } from './scan-image-folder.js';

/**
 * Feature vectors for near-duplicate search, keyed by content key: a ready map, or a function
 * given one image per distinct content (path and key) that returns the map, e.g. by running a
 * backbone over those paths in batches. Contents missing from the map are not feature-scanned.
 */
export type DuplicateFeatures =
  | ReadonlyMap<string, Float32Array>
  | ((images: readonly DuplicateCandidate[]) => Promise<ReadonlyMap<string, Float32Array>>);

/** Options of {@link findImageDuplicates}. */
export interface FindImageDuplicatesOptions {
  /** The image files (e.g. `scanImageFolder(…).files`). */
  files: readonly ImageFile[];
  /** Class names; labels index into them. */
  classNames: readonly string[];
  /** Perceptual-hash near-duplicate scan (decodes every image). Default true; false: exact duplicates (and features) only. */
  nearDuplicates?: boolean;
  /** Largest Hamming distance of near duplicates, whole bits in [0, 24]. Default 10 (`defaultHammingThreshold`). */
  hammingThreshold?: number;
  /** Feature vectors per content key for a cosine-similarity scan (see {@link DuplicateFeatures}). */
  features?: DuplicateFeatures;
  /** Smallest cosine similarity of near duplicates by features, in (0, 1]. Default 0.9 (`defaultCosineThreshold`). */
  cosineThreshold?: number;
  /** Files read and decoded at once (on libuv's thread pool). Default 4. */
  concurrency?: number;
  /** Called after each file with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops the search. */
  signal?: AbortSignal;
}

/** What {@link findImageDuplicates} found. */
export interface ImageDuplicateReport extends DuplicateReport {
  /** Files that could not be read (left out) or decoded (checked for exact duplicates only). */
  unreadable: SkippedFile[];
}

/**
 * Exact and near duplicates among image files: reads every file once for its sha1 content key
 * and (unless `nearDuplicates: false`) its perceptual hash, optionally takes feature vectors,
 * then runs `findDuplicates`. Each pair says whether it is within a class, across classes
 * (likely label noise) and/or across splits (leakage). Hashing runs about as fast as decoding
 * a thumbnail (see the package README); the hash search itself is near-linear.
 */
export async function findImageDuplicates(
  options: FindImageDuplicatesOptions,
): Promise<ImageDuplicateReport> {
  const nearDuplicates = options.nearDuplicates ?? true;
  const hammingThreshold = checkHammingThreshold(options.hammingThreshold);
  const cosineThreshold = checkCosineThreshold(options.cosineThreshold);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError({
      argument: 'concurrency',
      value: concurrency,
      expected: 'must be a whole number ≥ 1',
    });
  }
  const { files } = options;
  const keys: (string | undefined)[] = new Array(files.length);
  const hashes = new Map<string, string>();
  const unreadable: SkippedFile[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const file = files[index] as ImageFile;
      try {
        const result = await hashImageFile({ path: file.path, perceptual: nearDuplicates });
        keys[index] = result.key;
        if (result.perceptualHash !== undefined) hashes.set(result.key, result.perceptualHash);
      } catch (error) {
        if (!FileFormatError.isInstance(error)) throw error;
        unreadable.push({ path: file.path, reason: error.message });
        // Readable but undecodable files still take part in the exact check.
        if (nearDuplicates) {
          keys[index] = await hashImageFile({ path: file.path, perceptual: false }).then(
            (result) => result.key,
            () => undefined,
          );
        }
      }
      options.onProgress?.(++done, files.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, files.length)) }, worker),
  );
  options.signal?.throwIfAborted();

  const images: DuplicateCandidate[] = [];
  for (const [index, file] of files.entries()) {
    const key = keys[index];
    if (key === undefined) continue;
    images.push({
      path: file.path,
      key,
      label: file.label,
      ...(file.split ? { split: file.split } : {}),
    });
  }
  let features: ReadonlyMap<string, Float32Array> | undefined;
  if (typeof options.features === 'function') {
    const seen = new Set<string>();
    const distinct = images.filter((image) => !seen.has(image.key) && seen.add(image.key));
    features = await options.features(distinct);
  } else {
    features = options.features;
  }
  const report = findDuplicates({
    images,
    classNames: options.classNames,
    ...(nearDuplicates ? { perceptualHashes: hashes, hammingThreshold } : {}),
    ...(features === undefined ? {} : { features, cosineThreshold }),
  });
  unreadable.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...report, unreadable };
}
