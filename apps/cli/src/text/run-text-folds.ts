import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import {
  selectTextExamples,
  splitTextExamples,
  stratifiedKFold,
  type TextExamples,
} from '@graft/datasets';
import { exitCodes } from '../exit-codes.js';
import { foldName, foldsFlag } from '../folds/fold-plan.js';
import { printFoldSummary } from '../folds/print-fold-summary.js';
import { foldSummaryFileName, partitionFileName } from '../folds/run-folds.js';
import { type FoldReport, summarizeFolds } from '../folds/summarize-folds.js';
import { type RunDirectory, runDirectoryAt, writeJson } from '../run/run-directory.js';
import { type TrainTextRunOptions, trainTextRun } from './train-text-run.js';

/** Options of {@link runTextFolds}. */
export interface RunTextFoldsOptions
  extends Omit<TrainTextRunOptions, 'run' | 'splits' | 'fractions'> {
  /** The deduplicated examples. */
  examples: TextExamples;
  /** Number of folds (≥ 2). */
  folds: number;
  /** The folded run: `fold-1/` … `fold-k/`, `split-manifest.json`, `cv-summary.json`. */
  run: RunDirectory;
  /** `graft resume`: a fold with its model and report.json is kept, not retrained. */
  resume?: boolean;
}

/**
 * `graft train <text data> --backbone <text encoder> --folds k`: the image path's layout on text.
 * A test share of `--split` (three fractions) is held out first and scored by every fold; the
 * rest is dealt into k seeded stratified folds, and fold i trains on the others and validates on
 * it, as an ordinary text run in `<out>/fold-i`. Each text is embedded once for all folds.
 * `cv-summary.json` (mean ± sample std of every metric) is written last.
 */
export async function runTextFolds(options: RunTextFoldsOptions): Promise<number> {
  const { config, output, examples, folds, run } = options;
  const testFraction = config.split?.[2] ?? 0;
  const held =
    testFraction > 0
      ? splitTextExamples(examples, {
          fractions: [1 - testFraction, testFraction],
          seed: config.seed,
        })
      : undefined;
  const pool = held ? held.train : examples;
  const test = held?.val;
  const counts = pool.classNames.map((_, label) => pool.labels.filter((l) => l === label).length);
  const smallest = Math.min(...counts);
  if (smallest < folds) {
    throw new InvalidArgumentError({
      argument: foldsFlag,
      value: folds,
      expected: `must be at most the size of the smallest class outside the test share (${pool.classNames[counts.indexOf(smallest)]}: ${smallest} texts), so every fold validates on every class`,
    });
  }
  const plan = stratifiedKFold({ labels: pool.labels, folds, seed: config.seed });
  await writeJson(join(run.root, partitionFileName), {
    data: basename(resolve(config.data)),
    seed: config.seed,
    folds,
    ...(options.linePerExample ? { linePerExample: true } : {}),
    sources: {
      ...Object.fromEntries(
        plan.map((fold, index) => [
          foldName(index),
          fold.validation.map((row) => pool.sources[row] as string),
        ]),
      ),
      ...(test ? { test: test.sources } : {}),
    },
  });
  const reports: FoldReport[] = [];
  for (const [index, fold] of plan.entries()) {
    const foldRun = runDirectoryAt(join(run.root, foldName(index)));
    const kept = options.resume ? await finishedReport(foldRun) : undefined;
    if (kept !== undefined) {
      output.info(`graft: ${foldName(index)} of ${folds} is finished, kept`);
      reports.push(kept);
      continue;
    }
    output.info(`graft: ${foldName(index)} of ${folds}`);
    reports.push(
      await trainTextRun({
        ...options,
        run: foldRun,
        splits: {
          train: selectTextExamples(pool, fold.train),
          val: selectTextExamples(pool, fold.validation),
          test,
        },
      }),
    );
  }
  const summary = {
    folds,
    seed: config.seed,
    runs: plan.map((_, index) => foldName(index)),
    std: 'sample standard deviation over the folds (n − 1)',
    metrics: summarizeFolds(reports),
  };
  await writeJson(join(run.root, foldSummaryFileName), summary);
  printFoldSummary(output, { ...summary, file: join(run.root, foldSummaryFileName) });
  return exitCodes.success;
}

/** A fold's report.json when the fold is finished (the report is written after the model). */
async function finishedReport(run: RunDirectory): Promise<FoldReport | undefined> {
  const model = await stat(join(run.modelDir, 'model.json')).catch(() => undefined);
  if (model === undefined) return undefined;
  return readFile(run.reportFile, 'utf8')
    .then((text) => JSON.parse(text) as FoldReport)
    .catch(() => undefined);
}
