import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import type { TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { checkpointFiles, readCheckpoint } from './checkpoint-files.js';
import { crashPoint } from './crash-point.js';

/**
 * Pointer file in a checkpoints folder naming the newest complete checkpoint folder
 * (`epoch-0007`). It is replaced atomically only after that folder is in place.
 */
export const latestPointerFile = 'latest';

/** Folder of checkpoints written before checkpoints were atomic folders (`last/`). */
const oldLayoutFolder = 'last';

/** Points `latest` at `name`, a complete checkpoint folder inside `directory`. */
export async function writeLatestPointer(directory: string, name: string): Promise<void> {
  await writeFileAtomic(join(directory, latestPointerFile), `${name}\n`);
  crashPoint('checkpoint-pointer-written');
}

/**
 * The newest complete checkpoint folder in `directory`: the one `latest` names, or `last/` of
 * the old layout. `undefined` when there is none.
 */
export async function latestCheckpointDirectory(directory: string): Promise<string | undefined> {
  const pointer = await readFile(join(directory, latestPointerFile), 'utf8').catch(() => undefined);
  if (pointer !== undefined) {
    const name = pointer.trim();
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) {
      throw new FileFormatError({
        file: join(directory, latestPointerFile),
        problem: `names ${JSON.stringify(name)}, not a checkpoint folder`,
      });
    }
    return join(directory, name);
  }
  const old = join(directory, oldLayoutFolder);
  const hasOld = await stat(join(old, checkpointFiles.manifest)).then(
    (stats) => stats.isFile(),
    () => false,
  );
  return hasOld ? old : undefined;
}

/** Reads the newest complete checkpoint in `directory` (see {@link latestCheckpointDirectory}). */
export async function readLatestCheckpoint(directory: string): Promise<TrainingCheckpoint> {
  const latest = await latestCheckpointDirectory(directory);
  if (latest === undefined) {
    throw new AssetNotFoundError({
      fileName: latestPointerFile,
      searched: [join(directory, latestPointerFile), join(directory, oldLayoutFolder)],
      putItAt: join(directory, latestPointerFile),
      reason: 'no complete checkpoint: the run stopped before its first epoch finished',
    });
  }
  return readCheckpoint(latest);
}
