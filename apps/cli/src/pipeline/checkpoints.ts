import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallbackContext, TrainLogs } from '@graft/core';
import { FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { isTrainerContext, type TrainerCallback, type TrainingCheckpoint } from '@graft/trainer';
import type { RunDirectory } from '../run/run-directory.js';
import { readJson, writeJson } from '../run/run-directory.js';
import type { BestWeights } from './training-callbacks.js';

/** A checkpoint to continue from. */
export interface ResumePoint {
  checkpoint: TrainingCheckpoint;
  /** Where it was read from. */
  directory: string;
}

const manifestName = 'checkpoint.json';
const dataName = 'checkpoint.bin';

/**
 * Writes a resumable checkpoint to `checkpoints/last/` after every epoch (the binary first, then
 * the manifest, each atomically, so a manifest always describes a complete binary).
 */
export function checkpointWriter(options: {
  run: RunDirectory;
  bestWeights?: BestWeights;
}): TrainerCallback {
  return {
    name: 'checkpoint-writer',
    async onEpochEnd(_epoch: number, _logs: TrainLogs, context: CallbackContext) {
      if (!isTrainerContext(context)) return;
      const best = options.bestWeights;
      const checkpoint = await context.checkpoint(
        best?.bestEpoch !== undefined ? { bestEpoch: best.bestEpoch } : undefined,
      );
      await saveCheckpoint(join(options.run.checkpointsDir, 'last'), checkpoint);
    },
  };
}

/** Writes a checkpoint into `directory`. */
export async function saveCheckpoint(
  directory: string,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  await writeFileAtomic(join(directory, dataName), new Uint8Array(checkpoint.data));
  await writeJson(join(directory, manifestName), checkpoint.manifest);
}

/** Reads the last checkpoint of a run. */
export async function loadLastCheckpoint(run: RunDirectory): Promise<ResumePoint> {
  const directory = join(run.checkpointsDir, 'last');
  const manifest = await readJson<TrainingCheckpoint['manifest']>(
    join(directory, manifestName),
    'the checkpoint (no epoch finished before the run stopped?)',
  );
  const bytes = await readFile(join(directory, dataName)).catch((error: unknown) => {
    throw new FileFormatError({
      file: join(directory, dataName),
      problem: 'missing or unreadable',
      cause: error,
    });
  });
  const data = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  return { checkpoint: { manifest, data }, directory };
}
