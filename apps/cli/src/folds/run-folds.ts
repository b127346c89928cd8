import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { loadSplitManifest, saveSplitManifest } from '@graft/datasets/node';
import type { TrainConfig } from '../config/train-config.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandOutput } from '../output.js';
import { checkOutputPath } from '../pipeline/check-training-inputs.js';
import { lastCheckpointDirectory } from '../pipeline/checkpoints.js';
import { isCifarName } from '../pipeline/load-training-data.js';
import { type RunTrainingOptions, runTraining } from '../pipeline/run-training.js';
import { prepareRunOutput } from '../run/replace-run.js';
import { type RunDirectory, runDirectoryAt, writeJson } from '../run/run-directory.js';
import { lockRun } from '../run/run-lock.js';
import { makeDirectory, toStorageError } from '../run/storage-errors.js';
import { version } from '../version.js';
import { CountingFeatureStore } from './counting-feature-store.js';
import { foldCount, foldManifest, foldName, foldsFlag } from './fold-plan.js';
import { planFoldData } from './plan-fold-data.js';
import { printFoldSummary } from './print-fold-summary.js';
import { type FoldReport, summarizeFolds } from './summarize-folds.js';

/** The folded run's record of which file is in which fold (splits `fold-1` … and `test`). */
export const partitionFileName = 'split-manifest.json';
/** Where each fold's own manifest is written before its run starts. */
const foldManifestsFolder = 'folds';
/** The summary over the folds, written last: a folded run with it is finished. */
export const foldSummaryFileName = 'cv-summary.json';

/** Options of {@link runFolds}. */
export interface RunFoldsOptions
  extends Pick<
    RunTrainingOptions,
    'extractionWorkers' | 'trainingWorkers' | 'engine' | 'lossTerms' | 'overwrite'
  > {
  /** Validated options; `out` is the folded run, each fold a run in `<out>/fold-<i>`. */
  config: TrainConfig;
  /** `--folds`: number of folds (≥ 2; checked against the smallest class here). */
  folds: number;
  /** Where to print. */
  output: CommandOutput;
}

/** config.json of a folded run: the options every fold trains with, and the number of folds. */
interface FoldedRunConfig extends TrainConfig {
  graftVersion: string;
  createdAt: string;
  folds: number;
  lossTerms?: RunTrainingOptions['lossTerms'];
}

/**
 * `graft train --folds k`: stratified, seeded k-fold cross-validation in one command. The run
 * directory `<out>` holds config.json (with `folds`), split-manifest.json (which file is in
 * which fold), `fold-1/` … `fold-k/` (each an ordinary run: checkpoints, model, report.json,
 * resumable alone), and cv-summary.json (mean ± std of every metric), written last. Frozen
 * features are kept in one store across the folds, so each image is featurised once.
 */
export async function runFolds(options: RunFoldsOptions): Promise<number> {
  const { config, output, folds } = options;
  const partition = await planFoldData(config, folds);
  const root = resolve(config.out);
  await checkOutputPath(config.out);
  const lock = await lockRun({
    root,
    command: 'graft train --folds',
    onLost: (error) => output.error(`graft: warning: lost the lock of ${root} (${error.message}).`),
  });
  try {
    const replaced = await prepareRunOutput({ root, overwrite: options.overwrite ?? false });
    if (replaced.previous) {
      output.info(
        `replacing the run in ${root} (kept in ${replaced.previous} until this one is saved)`,
      );
    }
    let code: number;
    try {
      const run = runDirectoryAt(root);
      await makeDirectory(root);
      // config.json first (it makes the folder a graft run that `graft resume` continues), then
      // the partition; folds start only once both are on disk.
      await writeJson(run.configFile, {
        graftVersion: version,
        createdAt: new Date().toISOString(),
        ...config,
        folds,
        data: isCifarName(config.data) ? config.data : relative(root, resolve(config.data)) || '.',
        out: root,
        // Absolute, so `graft resume` from any folder trains the remaining folds alike.
        ...(options.lossTerms ? { lossTerms: absoluteLossTerms(options.lossTerms) } : {}),
      } satisfies FoldedRunConfig);
      await saveSplitManifest(join(root, partitionFileName), partition);
      code = await trainFolds({ ...options, run, partition });
    } catch (error) {
      if (replaced.previous) await replaced.restore().catch(() => undefined);
      throw toStorageError(error, root);
    }
    if (replaced.previous) {
      if (code === exitCodes.success) await replaced.commit();
      else output.error(`graft: the run this one replaces is kept in ${replaced.previous}.`);
    }
    return code;
  } finally {
    await lock.release();
  }
}

/** True when `run` was written by `graft train --folds` (its config.json has `folds`). */
export async function isFoldedRun(run: RunDirectory): Promise<boolean> {
  const config = await readFile(run.configFile, 'utf8')
    .then((text) => JSON.parse(text) as { folds?: unknown })
    .catch(() => undefined);
  return typeof config?.folds === 'number';
}

/** Options of {@link resumeFolds}. */
export interface ResumeFoldsOptions
  extends Pick<RunTrainingOptions, 'extractionWorkers' | 'trainingWorkers' | 'engine'> {
  /** The folded run. */
  run: RunDirectory;
  /** Where to print. */
  output: CommandOutput;
  /** `graft resume --epochs`: refused, every fold must train the same epochs. */
  epochs?: string;
  /** Reads config.json's options the way `graft resume` does (paths relative to the run). */
  resolveConfig: (saved: Record<string, unknown>) => TrainConfig;
  /** Resumes one started fold as `graft resume <fold>` does; returns the exit code. */
  resumeFold: (fold: string) => Promise<number>;
}

/**
 * `graft resume <folded run>`: finished folds are kept, a fold with a checkpoint is resumed,
 * a fold that never saved one is trained anew, then the summary is written.
 */
export async function resumeFolds(options: ResumeFoldsOptions): Promise<number> {
  const { run, output } = options;
  if (options.epochs !== undefined) {
    throw new InvalidArgumentError({
      argument: '--epochs',
      value: options.epochs,
      expected: `cannot be changed when resuming a ${foldsFlag} run: every fold trains the run's epochs, so their mean compares like with like`,
    });
  }
  const lock = await lockRun({
    root: run.root,
    command: 'graft resume',
    onLost: (error) =>
      output.error(`graft: warning: lost the lock of ${run.root} (${error.message}).`),
  });
  try {
    const {
      graftVersion: _version,
      createdAt: _created,
      folds,
      lossTerms,
      ...file
    } = JSON.parse(await readFile(run.configFile, 'utf8')) as FoldedRunConfig;
    const config = options.resolveConfig(file as unknown as Record<string, unknown>);
    // Killed before the partition was written: no fold started, so planning again is the same.
    const partitionFile = join(run.root, partitionFileName);
    const partition = (await exists(partitionFile))
      ? await loadSplitManifest(partitionFile)
      : await planFoldData(config, folds);
    if (!(await exists(partitionFile))) await saveSplitManifest(partitionFile, partition);
    return await trainFolds({
      config,
      output,
      run,
      partition,
      ...(options.extractionWorkers ? { extractionWorkers: options.extractionWorkers } : {}),
      ...(options.trainingWorkers ? { trainingWorkers: options.trainingWorkers } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
      ...(lossTerms ? { lossTerms } : {}),
      resumeFold: options.resumeFold,
    });
  } finally {
    await lock.release();
  }
}

/** Trains (or continues) every fold in turn, then writes and prints the summary. */
async function trainFolds(
  options: Omit<RunFoldsOptions, 'folds' | 'overwrite'> & {
    run: RunDirectory;
    partition: Awaited<ReturnType<typeof planFoldData>>;
    resumeFold?: (fold: string) => Promise<number>;
  },
): Promise<number> {
  const { config, output, run, partition } = options;
  const folds = foldCount(partition);
  // One store for all folds: fold 1 featurises every image (its train and held-out parts),
  // later folds find them all (keys name the backbone's weights and the image).
  const featureStore = new CountingFeatureStore();
  // Each fold prints its table as information; stdout carries the summary alone.
  const foldOutput: CommandOutput = {
    result: (text) => output.info(text),
    info: (text) => output.info(text),
    verbose: (text) => output.verbose(text),
    error: (text) => output.error(text),
    progress: () => output.progress(),
    json: output.json,
    isVerbose: output.isVerbose,
  };
  await makeDirectory(join(run.root, foldManifestsFolder));
  const reports: FoldReport[] = [];
  for (let index = 0; index < folds; index++) {
    const name = foldName(index);
    const fold = runDirectoryAt(join(run.root, name));
    const manifest = foldManifest(partition, index);
    const finished = await readFoldReport(fold);
    if (finished) {
      output.info(`fold ${index + 1} of ${folds}: finished, kept (${fold.root})`);
      reports.push(finished);
      continue;
    }
    const manifestFile = join(run.root, foldManifestsFolder, `${name}.${partitionFileName}`);
    await saveSplitManifest(manifestFile, manifest);
    const started = (await lastCheckpointDirectory(fold).catch(() => undefined)) !== undefined;
    output.info(
      `fold ${index + 1} of ${folds}: ${manifest.splits.train?.length ?? 0} train / ${manifest.splits.validation?.length ?? 0} held out${started ? ', resuming' : ''}…`,
    );
    const code =
      started && options.resumeFold
        ? await options.resumeFold(fold.root)
        : await runTraining({
            config: { ...config, split: undefined, splitManifest: manifestFile, out: fold.root },
            output: foldOutput,
            command: 'graft train --folds',
            featureStore,
            ...(options.extractionWorkers ? { extractionWorkers: options.extractionWorkers } : {}),
            ...(options.trainingWorkers ? { trainingWorkers: options.trainingWorkers } : {}),
            ...(options.engine ? { engine: options.engine } : {}),
            ...(options.lossTerms ? { lossTerms: options.lossTerms } : {}),
          });
    const report = code === exitCodes.success ? await readFoldReport(fold) : undefined;
    if (report === undefined) {
      output.error(
        `graft: fold ${index + 1} of ${folds} did not finish; the finished folds are kept. Continue the cross-validation with: graft resume ${run.root}`,
      );
      return code === exitCodes.success ? exitCodes.failure : code;
    }
    reports.push(report);
  }
  const summary = {
    folds,
    seed: config.seed,
    runs: Array.from({ length: folds }, (_, index) => foldName(index)),
    std: 'sample standard deviation over the folds (n − 1)',
    // Feature extraction in this process: vectors computed, and lookups the later folds reused.
    frozenFeatures: { computed: featureStore.computed, reused: featureStore.reused },
    metrics: summarizeFolds(reports),
  };
  if (featureStore.computed > 0) {
    output.info(
      `frozen features: ${featureStore.computed} computed once, reused ${featureStore.reused} times across the folds`,
    );
  }
  // Written last and atomically: a folded run with cv-summary.json is finished.
  await writeJson(join(run.root, foldSummaryFileName), summary);
  printFoldSummary(output, { ...summary, file: join(run.root, foldSummaryFileName) });
  return exitCodes.success;
}

/** A fold's report.json when the fold is finished (report written last, model present). */
async function readFoldReport(fold: RunDirectory): Promise<FoldReport | undefined> {
  if (!(await exists(join(fold.modelDir, 'model.json')))) return undefined;
  return readFile(fold.reportFile, 'utf8')
    .then((text) => JSON.parse(text) as FoldReport)
    .catch(() => undefined);
}

function absoluteLossTerms(
  settings: NonNullable<RunTrainingOptions['lossTerms']>,
): NonNullable<RunTrainingOptions['lossTerms']> {
  return {
    ...settings,
    ...(settings.teacher !== undefined ? { teacher: resolve(settings.teacher) } : {}),
    ...(settings.coralTarget !== undefined ? { coralTarget: resolve(settings.coralTarget) } : {}),
  };
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
