import {
  type DuplicateCandidate,
  findDuplicates,
  normalizeTextKey,
  type SplitName,
  type TextExamples,
} from '@graft/datasets';
import type { EmbedWithCache } from './cached-embeddings.js';

/** Near-duplicate texts in different splits: the test score would partly measure memory. */
export interface TextLeakage {
  /** Smallest cosine similarity counted. */
  cosineThreshold: number;
  /** Pairs across splits, closest first. */
  pairs: { first: string; second: string; splits: [string, string]; cosineSimilarity: number }[];
}

/** Options of {@link findTextLeakage}. */
export interface FindTextLeakageOptions {
  /** The deduplicated examples. */
  examples: TextExamples;
  /** Example indices of each split. */
  indices: { train: readonly number[]; val: readonly number[]; test?: readonly number[] };
  /** Embeds texts (the run's cache, so nothing is embedded twice). */
  embed: EmbedWithCache;
  /** Length of one embedding. */
  featureDim: number;
  /** Smallest cosine similarity of a near duplicate. Default 0.95 (near-verbatim copies). */
  cosineThreshold?: number;
}

/**
 * The leak check after exact duplicates were dropped: pairs of texts in different splits whose
 * sentence embeddings have cosine similarity at least the threshold (the image path's
 * `findDuplicates`, with the encoder's embedding as the feature). O(n² · d) in plain JS: about a
 * second for 2 500 texts of 512 floats.
 */
export async function findTextLeakage(options: FindTextLeakageOptions): Promise<TextLeakage> {
  const { examples, indices, featureDim } = options;
  const cosineThreshold = options.cosineThreshold ?? 0.95;
  const splitOf = new Map<number, SplitName>();
  for (const [split, rows] of Object.entries(indices)) {
    for (const row of rows ?? []) splitOf.set(row, split as SplitName);
  }
  const keys = examples.texts.map(normalizeTextKey);
  const candidates: DuplicateCandidate[] = examples.texts.map((_, row) => {
    const split = splitOf.get(row);
    return {
      path: examples.sources[row] as string,
      key: keys[row] as string,
      label: examples.labels[row] as number,
      ...(split ? { split } : {}),
    };
  });
  const embeddings = await options.embed(examples.texts);
  const features = new Map(
    keys.map((key, row) => [key, embeddings.subarray(row * featureDim, (row + 1) * featureDim)]),
  );
  const report = findDuplicates({
    images: candidates,
    classNames: examples.classNames,
    features,
    cosineThreshold,
  });
  return {
    cosineThreshold,
    pairs: report.nearPairs
      .filter((pair) => pair.kinds.includes('cross-split'))
      .map((pair) => ({
        first: pair.first.path,
        second: pair.second.path,
        splits: [pair.first.split ?? '-', pair.second.split ?? '-'],
        cosineSimilarity: pair.cosineSimilarity ?? 1,
      })),
  };
}
