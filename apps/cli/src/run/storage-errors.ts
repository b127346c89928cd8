import { mkdir, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError } from '@graft/core';

/** Node error codes of a refused write, with the reason and remedy shown to the user. */
const refusals: Record<string, { reason: string; advice: string }> = {
  ENOSPC: {
    reason: 'no space left on the device',
    advice: 'Free up space on that disk, or write the run to another disk (--out).',
  },
  EDQUOT: {
    reason: 'the disk quota is exhausted',
    advice: 'Free up space within your quota, or write the run elsewhere (--out).',
  },
  EROFS: {
    reason: 'the file system is read-only',
    advice: 'Write the run to a writable disk (--out), or remount this one read-write.',
  },
  EACCES: {
    reason: 'permission denied',
    advice: 'Write the run to a folder you may write to (--out), or change its permissions.',
  },
  EPERM: {
    reason: 'operation not permitted',
    advice: 'Write the run to a folder you may write to (--out), or change its permissions.',
  },
};

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A {@link StorageError} naming the path when `error` is a refused write (disk full, read-only,
 * no permission); any other error unchanged. Node's error names its own path when it has one
 * (`open`, `mkdir`, `rename`); a failed `write` names none, so `path` (the file or folder being
 * written) stands in.
 */
export function toStorageError(error: unknown, path: string): unknown {
  if (StorageError.isInstance(error)) return error;
  const refusal = refusals[errorCode(error) ?? ''];
  if (!refusal) return error;
  const ownPath = (error as { path?: unknown }).path;
  return new StorageError({
    path: typeof ownPath === 'string' ? ownPath : path,
    ...refusal,
    cause: error,
  });
}

/** Runs `task`, turning a refused write into a {@link StorageError} naming `path`. */
export async function withStoragePath<T>(path: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (error) {
    throw toStorageError(error, path);
  }
}

/** The nearest folder at or above `path` that exists (`/` at worst). */
export async function nearestExistingDirectory(path: string): Promise<string> {
  let current = path;
  for (;;) {
    const exists = await stat(current).then(
      () => true,
      () => false,
    );
    if (exists || dirname(current) === current) return current;
    current = dirname(current);
  }
}

/**
 * `mkdir -p path` whose errors name the real reason: Node's recursive mkdir reports a read-only
 * file system as `ENOENT … mkdir`, so on ENOENT the first missing folder is made alone, which
 * fails with the true code (EROFS, EACCES).
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw toStorageError(error, path);
    const existing = await nearestExistingDirectory(path);
    let firstMissing = path;
    while (dirname(firstMissing) !== existing && dirname(firstMissing) !== firstMissing) {
      firstMissing = dirname(firstMissing);
    }
    await mkdir(firstMissing).catch((inner: unknown) => {
      throw toStorageError(inner, firstMissing);
    });
    await withStoragePath(path, () => mkdir(path, { recursive: true }));
  }
}

/** Options of {@link checkFreeSpace}. */
export interface FreeSpaceOptions {
  /** Folder that will be written (it need not exist yet: its nearest existing parent is measured). */
  directory: string;
  /** Bytes the writes are expected to take. */
  requiredBytes: number;
  /** What needs the space, for the message, e.g. "this run (model and checkpoints)". */
  what: string;
}

/** Throws a {@link StorageError} when the disk holding `directory` has less than `requiredBytes` free. */
export async function checkFreeSpace(options: FreeSpaceOptions): Promise<void> {
  const measured = await nearestExistingDirectory(options.directory);
  const disk = await statfs(measured);
  // bavail: blocks an unprivileged process may use (root may dip into the reserved ones).
  const freeBytes = disk.bavail * disk.bsize;
  if (freeBytes >= options.requiredBytes) return;
  throw new StorageError({
    path: options.directory,
    reason: `its disk has ${formatBytes(freeBytes)} free and ${options.what} needs about ${formatBytes(options.requiredBytes)}`,
    advice: 'Free up space on that disk, or write the run to another disk (--out).',
  });
}

/** `12.3 MB`-style sizes (powers of 1000, as `df -H` and file managers show). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
