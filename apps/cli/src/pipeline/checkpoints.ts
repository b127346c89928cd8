import { join } from 'node:path';
import type { TrainingCheckpoint } from '@graft/trainer';
import { readCheckpoint } from '@graft/trainer/node';
import type { RunDirectory } from '../run/run-directory.js';

/** The checkpoint `graft resume` continues from: `checkpoints/last/` (written after every epoch). */
export function lastCheckpointDirectory(run: RunDirectory): string {
  return join(run.checkpointsDir, 'last');
}

/** Reads the run's last checkpoint. */
export function loadLastCheckpoint(run: RunDirectory): Promise<TrainingCheckpoint> {
  return readCheckpoint(lastCheckpointDirectory(run));
}
