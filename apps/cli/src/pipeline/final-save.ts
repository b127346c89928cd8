import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint } from '@graft/trainer/node';
import { type RunDirectory, writeJson } from '../run/run-directory.js';

/** Where the final model is written before it is renamed to `model/`. */
export function finalSaveStagingDirectory(run: RunDirectory): string {
  return `${run.modelDir}.tmp`;
}

/**
 * Saves the run's result as one unit: `report.json` is removed first (a run without it is not
 * finished), the model is written to `model.tmp/` and renamed to `model/`, and `report.json` is
 * written last. A crash at any instant leaves either the finished run or an unfinished one that
 * `graft resume` completes from its last checkpoint — never a model without its report.
 */
export async function saveFinalResult(options: {
  /** The run. */
  run: RunDirectory;
  /** Writes the model into the given (new) directory. */
  writeModel: (directory: string) => Promise<unknown>;
  /** The report; `epochs` records how many epochs it describes. */
  report: { epochs: number } & Record<string, unknown>;
}): Promise<void> {
  const { run } = options;
  await rm(run.reportFile, { force: true });
  const staging = finalSaveStagingDirectory(run);
  await rm(staging, { recursive: true, force: true });
  await options.writeModel(staging);
  crashPoint('final-model-written');
  await rm(run.modelDir, { recursive: true, force: true });
  await rename(staging, run.modelDir);
  crashPoint('final-model-renamed');
  await writeJson(run.reportFile, options.report);
}

/**
 * Whether the run's final save is complete for a run of `epochs` epochs: `report.json` (written
 * last) exists, describes that many epochs, and the model is there.
 */
export async function isFinished(run: RunDirectory, epochs: number): Promise<boolean> {
  const report = await readFile(run.reportFile, 'utf8')
    .then((text) => JSON.parse(text) as { epochs?: number; history?: unknown[] })
    .catch(() => undefined);
  if (report === undefined) return false;
  const reported = report.epochs ?? report.history?.length;
  const hasModel = await stat(join(run.modelDir, 'model.json')).then(
    () => true,
    () => false,
  );
  return reported === epochs && hasModel;
}
