import { InvalidArgumentError } from '@graft/core';
import { cosinePairs } from './cosine-pairs.js';
import type {
  DuplicateCandidate,
  DuplicateImage,
  DuplicateKind,
  DuplicateKindCounts,
  DuplicateReport,
  ExactDuplicateGroup,
  NearDuplicatePair,
} from './duplicate-report.js';
import {
  checkCosineThreshold,
  checkHammingThreshold,
  defaultCosineThreshold,
  defaultHammingThreshold,
  maximumHammingThreshold,
} from './duplicate-thresholds.js';
import { hammingPairs, type IndexPairs } from './hamming-pairs.js';
import { parsePerceptualHash } from './perceptual-hash.js';

/** Options of {@link findDuplicates}. */
export interface FindDuplicatesOptions {
  /** The images, e.g. an image folder's files with their content keys. */
  images: readonly DuplicateCandidate[];
  /** Class names; labels index into them. */
  classNames: readonly string[];
  /**
   * Perceptual hash ({@link perceptualHash}, 16 hex digits) per content key. Contents without
   * one are left out of the hash scan. Omit to skip the hash scan.
   */
  perceptualHashes?: ReadonlyMap<string, string>;
  /**
   * Largest Hamming distance (bits of 64) for a near duplicate, an integer in
   * [0, {@link maximumHammingThreshold}]. Default {@link defaultHammingThreshold}.
   */
  hammingThreshold?: number;
  /**
   * A feature vector per content key (e.g. a backbone's pooled features), all the same length.
   * Contents without one are left out of the feature scan. Omit to skip the feature scan, which
   * costs O(n² · d) (see `cosinePairs`).
   */
  features?: ReadonlyMap<string, Float32Array>;
  /** Smallest cosine similarity for a near duplicate, in (0, 1]. Default {@link defaultCosineThreshold}. */
  cosineThreshold?: number;
}

/**
 * Finds exact duplicates (equal content keys, grouped) and near duplicates (perceptual hashes
 * within `hammingThreshold` bits, and/or feature vectors with cosine similarity at least
 * `cosineThreshold`) among `images`, and tells for each whether it is within a class, across
 * classes (likely label noise) and/or across splits (leakage). Near-duplicate scans run once
 * per distinct content; a pair of contents is then reported for every pair of their images.
 * Browser-safe: hashing files is `hashImageFile` in `@graft/datasets/node`.
 */
export function findDuplicates(options: FindDuplicatesOptions): DuplicateReport {
  const { images, classNames } = options;
  const hammingThreshold = checkHammingThreshold(options.hammingThreshold);
  const cosineThreshold = checkCosineThreshold(options.cosineThreshold);
  const described = images.map((image, index) => describe(image, index, classNames));

  // Distinct contents, in order of first appearance, with the images holding each.
  const keys: string[] = [];
  const holders: number[][] = [];
  const contentOf = new Map<string, number>();
  for (const [index, image] of described.entries()) {
    let content = contentOf.get(image.key);
    if (content === undefined) {
      content = keys.length;
      contentOf.set(image.key, content);
      keys.push(image.key);
      holders.push([]);
    }
    (holders[content] as number[]).push(index);
  }

  const exactGroups: ExactDuplicateGroup[] = [];
  const exactPairs = emptyCounts();
  for (const [content, members] of holders.entries()) {
    if (members.length < 2) continue;
    const groupImages = members.map((index) => described[index] as DuplicateImage);
    const counts = groupPairCounts(groupImages);
    for (const kind of Object.keys(counts) as (keyof DuplicateKindCounts)[]) {
      exactPairs[kind] += counts[kind];
    }
    exactGroups.push({
      key: keys[content] as string,
      images: groupImages,
      kinds: (['within-class', 'cross-class', 'cross-split'] as const).filter(
        (kind) => counts[kind] > 0,
      ),
    });
  }
  exactGroups.sort((a, b) => b.images.length - a.images.length);

  // Near pairs of contents, merged over the two scans: "first,second" → pair.
  const merged = new Map<
    string,
    { first: number; second: number; distance?: number; similarity?: number }
  >();
  let withoutHash = 0;
  if (options.perceptualHashes !== undefined) {
    const hashes = options.perceptualHashes;
    const hashed: number[] = [];
    const words: number[] = [];
    for (const [content, key] of keys.entries()) {
      const hash = hashes.get(key);
      if (hash === undefined) {
        withoutHash++;
        continue;
      }
      hashed.push(content);
      words.push(...parsePerceptualHash(hash, `perceptualHashes[${key}]`));
    }
    addPairs(merged, hashed, hammingPairs(Uint32Array.from(words), hammingThreshold), 'distance');
  }
  let withoutFeatures = 0;
  if (options.features !== undefined) {
    const { contents, vectors, dimension } = gatherFeatures(keys, options.features);
    withoutFeatures = keys.length - contents.length;
    addPairs(
      merged,
      contents,
      cosinePairs(vectors, contents.length, dimension, cosineThreshold),
      'similarity',
    );
  }

  const nearPairs: NearDuplicatePair[] = [];
  const nearCounts = emptyCounts();
  const ordered = [...merged.values()].sort(
    (a, b) =>
      (a.distance ?? Number.POSITIVE_INFINITY) - (b.distance ?? Number.POSITIVE_INFINITY) ||
      (b.similarity ?? 0) - (a.similarity ?? 0) ||
      a.first - b.first ||
      a.second - b.second,
  );
  for (const match of ordered) {
    for (const firstIndex of holders[match.first] as number[]) {
      for (const secondIndex of holders[match.second] as number[]) {
        const [first, second] = [described[firstIndex], described[secondIndex]] as [
          DuplicateImage,
          DuplicateImage,
        ];
        const kinds = pairKinds(first, second);
        nearCounts.total++;
        for (const kind of kinds) nearCounts[kind]++;
        nearPairs.push({
          first,
          second,
          methods: [
            ...(match.distance === undefined ? [] : ['perceptual-hash' as const]),
            ...(match.similarity === undefined ? [] : ['features' as const]),
          ],
          ...(match.distance === undefined ? {} : { hammingDistance: match.distance }),
          ...(match.similarity === undefined ? {} : { cosineSimilarity: match.similarity }),
          kinds,
        });
      }
    }
  }

  return {
    exactGroups,
    nearPairs,
    summary: {
      images: images.length,
      distinctContents: keys.length,
      exactPairs,
      nearPairs: nearCounts,
      withoutHash: options.perceptualHashes === undefined ? keys.length : withoutHash,
      withoutFeatures: options.features === undefined ? keys.length : withoutFeatures,
    },
    ...(options.perceptualHashes === undefined ? {} : { hammingThreshold }),
    ...(options.features === undefined ? {} : { cosineThreshold }),
  };
}

function describe(
  image: DuplicateCandidate,
  index: number,
  classNames: readonly string[],
): DuplicateImage {
  const className = classNames[image.label];
  if (!Number.isInteger(image.label) || className === undefined) {
    throw new InvalidArgumentError({
      argument: `images[${index}].label`,
      value: image.label,
      expected: `must be a class index in [0, ${classNames.length - 1}]`,
    });
  }
  if (typeof image.key !== 'string' || image.key === '') {
    throw new InvalidArgumentError({
      argument: `images[${index}].key`,
      value: image.key,
      expected: 'must be a non-empty content key',
    });
  }
  return { ...image, className };
}

function gatherFeatures(
  keys: readonly string[],
  features: ReadonlyMap<string, Float32Array>,
): { contents: number[]; vectors: Float32Array; dimension: number } {
  const contents: number[] = [];
  let dimension: number | undefined;
  for (const [content, key] of keys.entries()) {
    const vector = features.get(key);
    if (vector === undefined) continue;
    dimension ??= vector.length;
    if (!(vector instanceof Float32Array) || vector.length !== dimension || dimension === 0) {
      throw new InvalidArgumentError({
        argument: `features[${key}]`,
        value: vector instanceof Float32Array ? `Float32Array(${vector.length})` : vector,
        expected: `must be a non-empty Float32Array of the same length as the others (${dimension})`,
      });
    }
    contents.push(content);
  }
  const size = dimension ?? 0;
  const vectors = new Float32Array(contents.length * size);
  for (const [row, content] of contents.entries()) {
    vectors.set(features.get(keys[content] as string) as Float32Array, row * size);
  }
  return { contents, vectors, dimension: size };
}

function addPairs(
  merged: Map<string, { first: number; second: number; distance?: number; similarity?: number }>,
  contents: readonly number[],
  pairs: IndexPairs,
  field: 'distance' | 'similarity',
): void {
  for (let index = 0; index < pairs.first.length; index++) {
    const first = contents[pairs.first[index] as number] as number;
    const second = contents[pairs.second[index] as number] as number;
    const id = `${first},${second}`;
    const match = merged.get(id) ?? { first, second };
    match[field] = pairs.values[index] as number;
    merged.set(id, match);
  }
}

function pairKinds(first: DuplicateImage, second: DuplicateImage): DuplicateKind[] {
  const kinds: DuplicateKind[] = [first.label === second.label ? 'within-class' : 'cross-class'];
  if (first.split !== second.split) kinds.push('cross-split');
  return kinds;
}

function emptyCounts(): DuplicateKindCounts {
  return { total: 0, 'within-class': 0, 'cross-class': 0, 'cross-split': 0 };
}

/** Pair counts of a group of identical images by kind, without listing the pairs. */
function groupPairCounts(images: readonly DuplicateImage[]): DuplicateKindCounts {
  const choose2 = (n: number) => (n * (n - 1)) / 2;
  const byLabel = new Map<number, number>();
  const bySplit = new Map<string | undefined, number>();
  for (const image of images) {
    byLabel.set(image.label, (byLabel.get(image.label) ?? 0) + 1);
    bySplit.set(image.split, (bySplit.get(image.split) ?? 0) + 1);
  }
  const total = choose2(images.length);
  const withinClass = [...byLabel.values()].reduce((sum, n) => sum + choose2(n), 0);
  const withinSplit = [...bySplit.values()].reduce((sum, n) => sum + choose2(n), 0);
  return {
    total,
    'within-class': withinClass,
    'cross-class': total - withinClass,
    'cross-split': total - withinSplit,
  };
}
