import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileFormatError } from '@graft/core';
import type { CheckpointManifest, TrainingCheckpoint } from '../checkpoint/training-checkpoint.js';
import { contentHash } from '../features/content-hash.js';
import { crashPoint } from './crash-point.js';

/** File names inside a checkpoint directory. */
export const checkpointFiles = {
  /** The JSON manifest, with the data file's size and hash. */
  manifest: 'checkpoint.json',
  /** Weights and optimiser slots, little-endian, laid out by `weightSpecs`. */
  data: 'state.bin',
} as const;

interface StoredManifest extends CheckpointManifest {
  /** Byte length and hash of `state.bin`, checked on read. */
  dataFile: { name: string; bytes: number; hash: string };
}

/**
 * Writes a checkpoint as one unit: both files go into a fresh `<directory>.tmp/`, are flushed to
 * disk, and the folder is renamed to `directory`, so a crash at any instant leaves either no
 * `directory` or a complete one (a stale `.tmp` folder is removed by
 * {@link removeIncompleteCheckpoints}). An existing `directory` is replaced: never pass the
 * checkpoint a resume would read ({@link modelCheckpoint} names each epoch's anew).
 */
export async function writeCheckpoint(
  directory: string,
  checkpoint: TrainingCheckpoint,
): Promise<void> {
  const temporary = `${directory}${temporarySuffix}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  const bytes = new Uint8Array(checkpoint.data);
  await writeSynced(join(temporary, checkpointFiles.data), bytes, 'checkpoint-partial-file');
  crashPoint('checkpoint-data-written');
  const manifest: StoredManifest = {
    ...checkpoint.manifest,
    dataFile: { name: checkpointFiles.data, bytes: bytes.byteLength, hash: contentHash(bytes) },
  };
  await writeSynced(
    join(temporary, checkpointFiles.manifest),
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  );
  crashPoint('checkpoint-manifest-written');
  await syncDirectory(temporary);
  await rm(directory, { recursive: true, force: true });
  await rename(temporary, directory);
  await syncDirectory(dirname(directory));
  crashPoint('checkpoint-renamed');
}

/** Suffix of a checkpoint folder being written. */
const temporarySuffix = '.tmp';

/** Writes and flushes one file inside a folder that is not yet in place. */
async function writeSynced(path: string, bytes: Uint8Array, partialPoint?: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    if (partialPoint !== undefined) {
      // Crash tests stop here with half the file written.
      const half = Math.floor(bytes.byteLength / 2);
      await handle.write(bytes, 0, half);
      await handle.sync();
      crashPoint(partialPoint);
      await handle.write(bytes, half, bytes.byteLength - half);
    } else {
      await handle.write(bytes);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (new names, renames) to disk. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes what a crash can leave in a checkpoints folder: `*.tmp` folders of checkpoints being
 * written and `.*.tmp` files of atomic writes (here and one level down, where the old layout
 * wrote them). Returns the removed paths, for the caller to report.
 */
export async function removeIncompleteCheckpoints(directory: string): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (folder: string, depth: number) => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.name.endsWith(temporarySuffix)) {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } else if (entry.isDirectory() && depth === 0) {
        await visit(path, depth + 1);
      }
    }
  };
  await visit(directory, 0);
  return removed.sort();
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
