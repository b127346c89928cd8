import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createSentenceEncoder, type SentenceEncoder } from '@graft/backbones';
// Registers Node file loading for `use-lite` (installed package or $GRAFT_MIRROR/use-lite).
import '@graft/backbones/node';
import { InvalidArgumentError } from '@graft/core';
import { splitTextExamples } from '@graft/datasets';
import type { TrainConfig } from '../config/train-config.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandOutput } from '../output.js';
import { selectBackend } from '../pipeline/select-backend.js';
import { runDirectoryAt } from '../run/run-directory.js';
import { cachedEmbeddings } from './cached-embeddings.js';
import { loadTextExamples } from './load-text-examples.js';
import { findTextLeakage } from './near-duplicate-leakage.js';
import { runTextFolds } from './run-text-folds.js';
import { openTextEmbeddingCache } from './text-embedding-cache.js';
import { writeTextRunConfig } from './text-run-config.js';
import { trainTextRun } from './train-text-run.js';

/** Options of {@link runTextTraining}. */
export interface RunTextTrainingOptions {
  /** The resolved `graft train` options; `backbone` names a registered text encoder. */
  config: TrainConfig;
  /** Where messages and results go. */
  output: CommandOutput;
  /** Replace a finished run in `config.out`. */
  overwrite: boolean;
  /** Text data: each non-empty line of a `.txt` file is one example. */
  linePerExample?: boolean;
  /** `--folds`: stratified k-fold cross-validation instead of one run. */
  folds?: number | undefined;
  /**
   * Read and write the disk embedding cache (`--no-cache` turns it off); used only for an
   * encoder whose weights id names its content. Default true.
   */
  featureCache?: boolean;
  /** `graft resume`: finished folds are kept (the caller checked the run is not finished). */
  resume?: boolean;
  /** The encoder to use instead of `createSentenceEncoder(config.backbone)` (tests). */
  encoder?: SentenceEncoder;
}

/**
 * `graft train <text data> --backbone use-lite`: reads the texts, drops duplicate texts (so none
 * is in two splits), splits them seeded and stratified, embeds every text (and `--augmented-passes`
 * augmented views of the training texts with `--augment`) once with the frozen encoder, and trains
 * the head with the trainer's feature extraction: same heads, optimisers, schedules, early
 * stopping, class weights and saved classifier as images. With `--folds k`, k such runs.
 */
export async function runTextTraining(options: RunTextTrainingOptions): Promise<number> {
  const { config, output } = options;
  const started = performance.now();
  if (config.mode !== 'feature-extraction') {
    throw new InvalidArgumentError({
      argument: '--mode',
      value: config.mode,
      expected: `must be feature-extraction with the text encoder ${config.backbone} (a frozen graph model)`,
    });
  }
  const run = runDirectoryAt(config.out);
  const finished = options.folds !== undefined ? 'cv-summary.json' : join('model', 'model.json');
  if (!options.overwrite && (await exists(join(run.root, finished)))) {
    output.error(
      `graft: ${run.root} already holds a trained model; pass --overwrite or another --out`,
    );
    return exitCodes.usage;
  }
  await writeTextRunConfig(run, config, {
    linePerExample: options.linePerExample === true,
    ...(options.folds !== undefined ? { folds: options.folds } : {}),
  });
  const backend = await selectBackend();
  const { examples, duplicatesLeftOut } = await loadTextExamples({
    data: config.data,
    ...(options.linePerExample ? { linePerExample: true } : {}),
    output,
  });
  const encoder = options.encoder ?? (await createSentenceEncoder(config.backbone));
  try {
    const common = {
      config,
      output,
      encoder,
      embed: cachedEmbeddings(
        encoder,
        options.featureCache === false
          ? undefined
          : openTextEmbeddingCache({ encoder, backend: backend.tfjsBackend, output }),
      ),
      duplicatesLeftOut,
      ...(options.linePerExample ? { linePerExample: true } : {}),
      started,
      backend: backend.tfjsBackend,
    };
    if (options.folds !== undefined) {
      const resume = options.resume === true;
      return await runTextFolds({ ...common, examples, folds: options.folds, run, resume });
    }
    const fractions = config.split ?? [0.8, 0.1, 0.1];
    const splits = splitTextExamples(examples, { fractions, seed: config.seed });
    // Every text is embedded here once (the cache serves the run), then near copies across
    // splits are named: exact duplicates were dropped above, paraphrased copies were not.
    const leakage = await findTextLeakage({
      examples,
      indices: splits.indices,
      embed: common.embed,
      featureDim: encoder.featureDim,
    });
    if (leakage.pairs.length > 0) {
      const shown = leakage.pairs
        .slice(0, 3)
        .map((pair) => `${pair.first} (${pair.splits[0]}) ~ ${pair.second} (${pair.splits[1]})`);
      output.info(
        `graft: warning: ${leakage.pairs.length} near-duplicate text pair(s) across splits (embedding cosine ≥ ${leakage.cosineThreshold}), so the held-out figures partly measure memory: ${shown.join(', ')}${leakage.pairs.length > 3 ? ', …' : ''} (all in report.json)`,
      );
    }
    const summary = await trainTextRun({ ...common, run, splits, fractions, leakage });
    output.result(
      JSON.stringify({
        run: summary.run,
        encoder: summary.encoder,
        classes: summary.classes.length,
        examples: summary.examples,
        epochs: summary.epochs,
        validationAccuracy: summary.validation?.accuracy,
        testAccuracy: summary.test?.accuracy,
      }),
    );
    return exitCodes.success;
  } finally {
    if (options.encoder === undefined) encoder.dispose();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
