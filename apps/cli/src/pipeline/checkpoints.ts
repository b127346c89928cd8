import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainingCheckpoint } from '@graft/trainer';
import {
  latestCheckpointDirectory,
  readLatestCheckpoint,
  removeIncompleteCheckpoints,
} from '@graft/trainer/node';
import type { CommandOutput } from '../output.js';
import type { RunDirectory } from '../run/run-directory.js';
import { finalSaveStagingDirectory } from './final-save.js';

/**
 * The checkpoint `graft resume` continues from: the folder `checkpoints/latest` names (written
 * after every epoch), or `checkpoints/last/` of runs from before atomic checkpoints.
 */
export function lastCheckpointDirectory(run: RunDirectory): Promise<string | undefined> {
  return latestCheckpointDirectory(run.checkpointsDir);
}

/**
 * Removes what a killed process leaves behind (half-written checkpoint folders, temporary files
 * of atomic writes, a half-written final model) and says what was removed.
 */
export async function removeStaleFiles(run: RunDirectory, output: CommandOutput): Promise<void> {
  const removed = await removeIncompleteCheckpoints(run.checkpointsDir);
  // `.<name>.<pid>.<random>.tmp`: writeFileAtomic's temporary files (config, report, history).
  for (const folder of [run.root, join(run.root, 'logs')]) {
    for (const name of await readdir(folder).catch(() => [])) {
      if (/^\..+\.tmp$/.test(name)) {
        await rm(join(folder, name), { force: true });
        removed.push(join(folder, name));
      }
    }
  }
  const staging = finalSaveStagingDirectory(run);
  if (
    await rm(staging, { recursive: true }).then(
      () => true,
      () => false,
    )
  ) {
    removed.push(staging);
  }
  for (const path of removed) output.info(`removed incomplete ${path} (left by a killed run)`);
}

/** Reads the run's newest complete checkpoint. */
export function loadLastCheckpoint(run: RunDirectory): Promise<TrainingCheckpoint> {
  return readLatestCheckpoint(run.checkpointsDir);
}
