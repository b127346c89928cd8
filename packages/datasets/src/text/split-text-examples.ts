import { stratifiedSplit } from '../splits/stratified-split.js';
import { selectTextExamples, type TextExamples } from './text-examples.js';

/** Options of {@link splitTextExamples}. */
export interface SplitTextExamplesOptions {
  /** `[train, val]` or `[train, val, test]` fractions summing to 1. */
  fractions: readonly number[];
  /** Seed of the split (same seed, same split on every machine). Default 0. */
  seed?: number;
}

/** Train/val(/test) parts of a text dataset, stratified and seeded like the image splits. */
export interface TextSplits {
  train: TextExamples;
  val: TextExamples;
  /** Present with three fractions. */
  test?: TextExamples;
  /** Dataset indices of each part, ascending (for split manifests). */
  indices: { train: number[]; val: number[]; test?: number[] };
}

/** Splits `examples` per class by `fractions` with the seeded `stratifiedSplit` images use. */
export function splitTextExamples(
  examples: TextExamples,
  options: SplitTextExamplesOptions,
): TextSplits {
  if (options.fractions.length !== 2 && options.fractions.length !== 3) {
    throw new TypeError(
      `fractions: expected [train, val] or [train, val, test], received ${JSON.stringify(options.fractions)}`,
    );
  }
  const { splits } = stratifiedSplit({
    labels: examples.labels,
    fractions: options.fractions,
    seed: options.seed ?? 0,
    classNames: examples.classNames,
  });
  const [train, val, test] = splits as [number[], number[], number[] | undefined];
  return {
    train: selectTextExamples(examples, train),
    val: selectTextExamples(examples, val),
    ...(test ? { test: selectTextExamples(examples, test) } : {}),
    indices: { train, val, ...(test ? { test } : {}) },
  };
}
