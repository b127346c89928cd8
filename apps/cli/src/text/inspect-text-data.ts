import { createSentenceEncoder, type SentenceEncoder } from '@graft/backbones';
import '@graft/backbones/node';
import {
  type DuplicateCandidate,
  type DuplicateReport,
  findDuplicates,
  normalizeTextKey,
  type SplitName,
} from '@graft/datasets';
import { openTextData, type TextDataReport } from '@graft/datasets/node';
import { embedTexts } from './embed-texts.js';

/** Options of {@link inspectTextData}. */
export interface InspectTextDataOptions {
  /** Text data: class folders of `.txt`, CSV or JSONL. */
  dataPath: string;
  /** Each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
  /**
   * Registered text encoder whose embeddings find near duplicates (cosine similarity at least
   * `cosineThreshold`); omit for exact duplicates only.
   */
  encoderName?: string;
  /** The encoder to use instead of creating `encoderName` (tests). */
  encoder?: SentenceEncoder;
  /** Smallest cosine similarity of a near-duplicate pair, in (0, 1]. Default 0.9. */
  cosineThreshold?: number;
  /** Split of each example source (from a run's split manifest), so leakage is named. */
  splitOf?: ReadonlyMap<string, SplitName>;
  /** Told after each encoder call how many texts are embedded. */
  onProgress?: (done: number, total: number) => void;
}

/** What `graft data inspect` reports on text data. */
export interface TextDataInspection {
  classNames: readonly string[];
  /** Examples per class. */
  counts: Record<string, number>;
  total: number;
  /** Largest over smallest class. */
  imbalanceRatio: number;
  /** Characters per example. */
  characters: { min: number; max: number; mean: number };
  /** Empty, cut and skipped files or rows. */
  report: TextDataReport;
  /**
   * Exact duplicates (same text up to case, Unicode form, punctuation and spacing) and, with an
   * encoder, near duplicates by embedding cosine similarity: within a class, across classes
   * (label noise) and across splits (leakage, with `splitOf`).
   */
  duplicates: DuplicateReport;
  /** The encoder of the near-duplicate scan. */
  encoder?: string;
}

/**
 * Counts, lengths and duplicates of a text dataset: the image path's exact/near duplicate report
 * with the normalised text as content key and the encoder's sentence embedding as the feature.
 */
export async function inspectTextData(
  options: InspectTextDataOptions,
): Promise<TextDataInspection> {
  const { examples, report } = await openTextData({
    path: options.dataPath,
    ...(options.linePerExample ? { linePerExample: true } : {}),
  });
  const { classNames, texts, labels, sources } = examples;
  const counts: Record<string, number> = Object.fromEntries(classNames.map((name) => [name, 0]));
  for (const label of labels) {
    const name = classNames[label] as string;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  const sizes = Object.values(counts);
  const lengths = texts.map((text) => text.length);
  const keys = texts.map(normalizeTextKey);
  const candidates: DuplicateCandidate[] = texts.map((_, index) => {
    const split = options.splitOf?.get(sources[index] as string);
    return {
      path: sources[index] as string,
      key: keys[index] as string,
      label: labels[index] as number,
      ...(split ? { split } : {}),
    };
  });
  let features: Map<string, Float32Array> | undefined;
  let encoderName: string | undefined;
  if (options.encoder !== undefined || options.encoderName !== undefined) {
    const encoder = options.encoder ?? (await createSentenceEncoder(options.encoderName as string));
    encoderName = encoder.name;
    try {
      // One embedding per distinct content: exact duplicates are already grouped by key.
      const firstOf = new Map<string, number>();
      keys.forEach((key, index) => {
        if (!firstOf.has(key)) firstOf.set(key, index);
      });
      const distinct = [...firstOf.values()];
      const embeddings = await embedTexts({
        encoder,
        texts: distinct.map((index) => texts[index] as string),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      features = new Map(
        distinct.map((index, row) => [
          keys[index] as string,
          embeddings.subarray(row * encoder.featureDim, (row + 1) * encoder.featureDim),
        ]),
      );
    } finally {
      if (options.encoder === undefined) encoder.dispose();
    }
  }
  const duplicates = findDuplicates({
    images: candidates,
    classNames,
    ...(features
      ? {
          features,
          ...(options.cosineThreshold !== undefined
            ? { cosineThreshold: options.cosineThreshold }
            : {}),
        }
      : {}),
  });
  return {
    classNames,
    counts,
    total: texts.length,
    imbalanceRatio: sizes.length > 0 ? Math.max(...sizes) / Math.max(1, Math.min(...sizes)) : 0,
    characters: {
      // Reduced, not spread: a spread of 100 000+ lengths overflows the call stack.
      min: lengths.reduce((low, length) => Math.min(low, length), lengths[0] ?? 0),
      max: lengths.reduce((high, length) => Math.max(high, length), 0),
      mean: lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, lengths.length),
    },
    report,
    duplicates,
    ...(encoderName ? { encoder: encoderName } : {}),
  };
}
