import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SentenceEncoder } from '@graft/backbones';
import { parseInteger } from '../config/parse-values.js';
import { exitCodes } from '../exit-codes.js';
import { foldSummaryFileName } from '../folds/run-folds.js';
import type { CommandOutput } from '../output.js';
import type { RunDirectory } from '../run/run-directory.js';
import { runTextTraining } from './run-text-training.js';
import type { TextRunConfig } from './text-run-config.js';

/** Options of {@link resumeTextRun}. */
export interface ResumeTextRunOptions {
  /** The text run. */
  run: RunDirectory;
  /** Its config.json. */
  saved: TextRunConfig;
  output: CommandOutput;
  /** `--epochs`: train a finished run again to this many epochs. */
  epochs?: string | undefined;
  /** The encoder to use instead of the one the run names (tests). */
  encoder?: SentenceEncoder;
}

/**
 * `graft resume <text run>`. A text run keeps no epoch checkpoints: its head trains in seconds on
 * the embeddings, so an unfinished run is trained again from its config.json (seeded, so to the
 * same model), and a folded run keeps its finished folds and trains the others. A finished run is
 * left as it is unless `--epochs` asks for another length.
 */
export async function resumeTextRun(options: ResumeTextRunOptions): Promise<number> {
  const { run, saved, output } = options;
  const {
    graftVersion: _version,
    createdAt: _created,
    modality: _modality,
    text,
    ...config
  } = saved;
  const epochs =
    options.epochs === undefined
      ? undefined
      : parseInteger('--epochs', options.epochs, { minimum: 1 });
  const finishedFile =
    text.folds !== undefined
      ? join(run.root, foldSummaryFileName)
      : join(run.modelDir, 'model.json');
  const finished =
    (await stat(finishedFile).catch(() => undefined)) !== undefined &&
    (text.folds !== undefined || (await stat(run.reportFile).catch(() => undefined)) !== undefined);
  if (finished && (epochs === undefined || epochs === config.epochs)) {
    output.info(
      `${run.name} is finished (${config.epochs} epochs); nothing to do. Pass --epochs <n> to train it again to n epochs.`,
    );
    return exitCodes.success;
  }
  output.info(
    finished
      ? `${run.name}: training again to ${epochs} epochs (text runs keep no epoch checkpoints; the head trains from the embeddings)`
      : `resuming ${run.name}: text runs keep no epoch checkpoints, so ${text.folds !== undefined ? 'the unfinished folds train' : 'the head trains'} again from the embeddings (seeded: the same model)`,
  );
  return runTextTraining({
    config: {
      ...config,
      data: resolve(run.root, config.data),
      out: run.root,
      ...(epochs !== undefined ? { epochs } : {}),
    },
    output,
    overwrite: true,
    linePerExample: text.linePerExample,
    folds: text.folds,
    resume: !finished,
    ...(options.encoder ? { encoder: options.encoder } : {}),
  });
}
