import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import type { CheckpointManifest, TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { contentHash } from '../features/content-hash.js';

/** File names inside a checkpoint directory. */
export const checkpointFiles = {
  /** The JSON manifest; written last, so its presence means the tensors are complete. */
  manifest: 'checkpoint.json',
  /** Weights and optimiser slots, little-endian, laid out by `weightSpecs`. */
  data: 'state.bin',
} as const;

interface StoredManifest extends CheckpointManifest {
  /** Byte length and hash of `state.bin`, checked on read. */
  dataFile: { name: string; bytes: number; hash: string };
}

/**
 * Writes a checkpoint into `directory` (created if needed): `state.bin` then `checkpoint.json`,
 * each atomically, so a crash leaves the previous checkpoint or the new one, never a torn one.
 */
export async function writeCheckpoint(
  directory: string,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  const bytes = new Uint8Array(checkpoint.data);
  await writeFileAtomic(join(directory, checkpointFiles.data), bytes);
  const manifest: StoredManifest = {
    ...checkpoint.manifest,
    dataFile: { name: checkpointFiles.data, bytes: bytes.byteLength, hash: contentHash(bytes) },
  };
  await writeFileAtomic(
    join(directory, checkpointFiles.manifest),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
}

/** Reads a checkpoint written by {@link writeCheckpoint}; checks the data file's size and hash. */
export async function readCheckpoint(directory: string): Promise<TrainingCheckpoint> {
  const manifestPath = join(directory, checkpointFiles.manifest);
  let manifest: StoredManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as StoredManifest;
  } catch (error) {
    throw new FileFormatError({
      file: manifestPath,
      problem: 'is missing or not JSON; is this a checkpoint directory?',
      cause: error,
    });
  }
  if (manifest.format !== 'graft-training-checkpoint') {
    throw new FileFormatError({
      file: manifestPath,
      problem: `has format ${JSON.stringify(manifest.format)}, expected "graft-training-checkpoint"`,
    });
  }
  const dataPath = join(directory, manifest.dataFile?.name ?? checkpointFiles.data);
  const bytes = new Uint8Array(await readFile(dataPath));
  if (manifest.dataFile && bytes.byteLength !== manifest.dataFile.bytes) {
    throw new FileFormatError({
      file: dataPath,
      problem: `truncated: ${bytes.byteLength} of ${manifest.dataFile.bytes} bytes`,
    });
  }
  if (manifest.dataFile && contentHash(bytes) !== manifest.dataFile.hash) {
    throw new FileFormatError({
      file: dataPath,
      problem: 'does not match the hash in checkpoint.json (overwritten by another run?)',
    });
  }
  const { dataFile: _dataFile, ...rest } = manifest;
  return {
    manifest: rest,
    data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}
