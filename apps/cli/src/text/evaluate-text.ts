import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { SentenceEncoder } from '@graft/backbones';
import { InvalidArgumentError } from '@graft/core';
import { selectTextExamples, type TextExamples } from '@graft/datasets';
import { openTextData } from '@graft/datasets/node';
import {
  type Classifier,
  computeMetrics,
  type EvaluationReport,
  type FeatureStore,
} from '@graft/trainer';
import type { ClassifierSource } from '../run/open-classifier-source.js';
import { cachedEmbeddings } from './cached-embeddings.js';
import { classifyTexts, openReferencedEncoder } from './classify-texts.js';
import type { TextEncoderReference } from './text-encoder-metadata.js';

/** What `graft train` on text writes to `<run>/split-manifest.json`. */
export interface TextSplitManifest {
  /** Folder or file name of the data. */
  data: string;
  /** Whether each line of a `.txt` file was one example. */
  linePerExample?: boolean;
  /** Example sources (`file`, `file:line`, `file#row`) of each split. */
  sources: { train: string[]; val: string[]; test?: string[] };
}

/** Options of {@link evaluateText}. */
export interface EvaluateTextOptions {
  /** The text classifier. */
  classifier: Classifier;
  /** Its `userMetadata.textEncoder`. */
  reference: TextEncoderReference;
  /** Where the classifier came from (a run directory has a split manifest). */
  source: ClassifierSource;
  /** Text data: class folders of `.txt`, CSV or JSONL. */
  dataPath: string;
  /**
   * Evaluate only this split of the run's `split-manifest.json`. Default: `test` (else `val`)
   * when the data is the run's own training data, so its training texts are not scored; every
   * example otherwise.
   */
  split?: 'train' | 'val' | 'test';
  /** Each non-empty line of a `.txt` file is one example (default: the run's manifest's choice). */
  linePerExample?: boolean;
  /** The encoder to use instead of the one the model names (tests). */
  encoder?: SentenceEncoder;
  /** The disk embedding cache for the encoder, if any (training filled it for its texts). */
  embeddingStore?: (encoder: SentenceEncoder) => FeatureStore | undefined;
}

/** The report of {@link evaluateText}, with which examples were scored. */
export interface TextEvaluation {
  report: EvaluationReport;
  /** Row-major `[count, classes]` probabilities. */
  probabilities: Float32Array;
  /** True class of each row. */
  targets: number[];
  /** Which part of the data was scored: `all`, or a split name of the run's manifest. */
  scored: string;
}

/**
 * `graft eval <text run> <text data>`: reads the texts, keeps the requested split of the run's
 * manifest, embeds them with the encoder the model names and computes the image path's metrics.
 */
export async function evaluateText(options: EvaluateTextOptions): Promise<TextEvaluation> {
  const { classifier, source } = options;
  const manifest = source.run
    ? await readManifest(join(source.run.root, 'split-manifest.json'))
    : undefined;
  const ownData = manifest !== undefined && manifest.data === basename(resolve(options.dataPath));
  const split =
    options.split ?? (ownData && manifest ? (manifest.sources.test ? 'test' : 'val') : undefined);
  const linePerExample = options.linePerExample ?? (ownData && manifest?.linePerExample === true);
  const { examples: all } = await openTextData({
    path: options.dataPath,
    ...(linePerExample ? { linePerExample: true } : {}),
  });
  const trained = classifier.labels;
  if (all.classNames.join('\n') !== trained.join('\n')) {
    throw new InvalidArgumentError({
      argument: '<data>',
      value: options.dataPath,
      expected: `must hold the classes the model was trained on (${trained.join(', ')}); found ${all.classNames.join(', ')}`,
    });
  }
  const examples = split === undefined ? all : splitOf(all, split, manifest, options);
  if (examples.texts.length === 0) {
    throw new InvalidArgumentError({
      argument: '<data>',
      value: options.dataPath,
      expected: `must hold labelled texts${split ? ` of the run's ${split} split` : ''}; none found`,
    });
  }
  const encoder = options.encoder ?? (await openReferencedEncoder(options.reference));
  try {
    const store = options.embeddingStore?.(encoder);
    const probabilities = await classifyTexts({
      classifier,
      encoder,
      texts: examples.texts,
      ...(store ? { embed: cachedEmbeddings(encoder, store) } : {}),
    });
    const targets = [...examples.labels];
    const oneHot = new Float32Array(targets.length * trained.length);
    targets.forEach((label, row) => {
      oneHot[row * trained.length + label] = 1;
    });
    const report = computeMetrics({
      probabilities,
      targets: oneHot,
      classNames: trained,
      activation: classifier.metadata.graft.activation,
      sources: [...examples.sources],
    });
    return { report, probabilities, targets, scored: split ?? 'all' };
  } finally {
    if (options.encoder === undefined) encoder.dispose();
  }
}

/** The examples of `split` in the run's manifest, matched by source. */
function splitOf(
  all: TextExamples,
  split: 'train' | 'val' | 'test',
  manifest: TextSplitManifest | undefined,
  options: EvaluateTextOptions,
): TextExamples {
  const wanted = manifest?.sources[split];
  if (wanted === undefined) {
    throw new InvalidArgumentError({
      argument: '--split',
      value: split,
      expected: manifest
        ? `must be a split the run has (${Object.keys(manifest.sources).join(', ')})`
        : `needs a text run directory with split-manifest.json; ${options.source.root} has none (leave --split out to score every text)`,
    });
  }
  const indexOf = new Map(all.sources.map((name, index) => [name, index]));
  const missing = wanted.filter((name) => !indexOf.has(name));
  if (missing.length > 0) {
    throw new InvalidArgumentError({
      argument: '<data>',
      value: options.dataPath,
      expected: `must be the data the run was trained on: ${missing.length} of its ${split} texts are missing (e.g. ${missing[0]})`,
    });
  }
  return selectTextExamples(
    all,
    wanted.map((name) => indexOf.get(name) as number),
  );
}

async function readManifest(path: string): Promise<TextSplitManifest | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  return JSON.parse(text) as TextSplitManifest;
}
