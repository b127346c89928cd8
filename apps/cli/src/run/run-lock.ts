import * as fs from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LockedError } from '@graft/core';
import lockfile from 'proper-lockfile';
import { makeDirectory, withStoragePath } from './storage-errors.js';

/** Options of {@link lockRun}. */
export interface RunLockOptions {
  /** The run directory (it need not exist yet; its parent folder is created). */
  root: string;
  /** What takes the lock, shown to a second process, e.g. `graft train`. */
  command: string;
  /** Told if the lock is lost while held (its folder removed or taken by another process). */
  onLost?: (error: Error) => void;
}

/** A held run lock. */
export interface RunLock {
  /** The lock folder, `<parent>/.<name>.lock`. */
  path: string;
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

/** Who holds a lock: written as `owner.json` inside the lock folder. */
interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

/** proper-lockfile's mtime refresh: a lock not refreshed for this long counts as stale. */
const staleMilliseconds = 10 * 60 * 1000;
const updateMilliseconds = 30 * 1000;
/** A lock folder without owner.json older than this was left by a process that died at once. */
const ownerlessGraceMilliseconds = 10 * 1000;

// proper-lockfile removes its lock with rmdir; owner.json lives inside, so removal is recursive.
const lockFileSystem = {
  ...fs,
  rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) =>
    fs.rm(path, { recursive: true, force: true }, callback),
  rmdirSync: (path: string) => fs.rmSync(path, { recursive: true, force: true }),
};

/** The lock folder of the run at `root`: beside it, so it also covers a run being replaced. */
export function runLockPath(root: string): string {
  return join(dirname(root), `.${basename(root)}.lock`);
}

/**
 * Takes the lock of a run directory, or fails at once with a {@link LockedError} naming the
 * holder's pid. The lock is a folder made atomically by proper-lockfile (which refreshes its
 * mtime and removes it when the process exits, even on a signal); `owner.json` inside names the
 * holder. A lock whose holder is no longer running on this host (killed with SIGKILL, a power
 * cut) is taken over at once; one from another host only once it is stale (10 minutes).
 */
export async function lockRun(options: RunLockOptions): Promise<RunLock> {
  const path = runLockPath(options.root);
  await makeDirectory(dirname(options.root));
  let release: () => Promise<void>;
  try {
    release = await acquire(options, path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ELOCKED') throw error;
    const owner = await readOwner(path);
    if (!(await holderIsGone(path, owner))) throw lockedError(options.root, path, owner);
    await removeAbandonedLock(path, owner);
    try {
      release = await acquire(options, path);
    } catch (again) {
      if ((again as { code?: unknown }).code !== 'ELOCKED') throw again;
      throw lockedError(options.root, path, await readOwner(path));
    }
  }
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    command: options.command,
    since: new Date().toISOString(),
  };
  try {
    await withStoragePath(path, async () => {
      // proper-lockfile takes a changed folder mtime for another process's refresh (and gives
      // the lock up), and adding owner.json changes it: it is put back.
      const { atime, mtime } = await fs.promises.stat(path);
      await writeFile(join(path, 'owner.json'), `${JSON.stringify(owner)}\n`);
      await fs.promises.utimes(path, atime, mtime);
    });
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      await release().catch(() => undefined);
    },
  };
}

async function acquire(options: RunLockOptions, path: string): Promise<() => Promise<void>> {
  return withStoragePath(path, () =>
    lockfile.lock(options.root, {
      lockfilePath: path,
      realpath: false,
      stale: staleMilliseconds,
      update: updateMilliseconds,
      retries: 0,
      fs: lockFileSystem,
      // The default throws from a timer, which would crash the run mid-epoch.
      onCompromised: (error: Error) => options.onLost?.(error),
    }),
  );
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(join(path, 'owner.json'), 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** True when the lock's holder is known to be dead: same host and no such pid. */
async function holderIsGone(path: string, owner: LockOwner | undefined): Promise<boolean> {
  if (owner === undefined) {
    // The holder writes owner.json right after making the folder; an old folder without it
    // belongs to a process killed in between.
    const made = await fs.promises.stat(path).then(
      (stats) => stats.mtimeMs,
      () => Date.now(),
    );
    return Date.now() - made > ownerlessGraceMilliseconds;
  }
  if (owner.hostname !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as { code?: unknown }).code === 'ESRCH';
  }
}

/**
 * Removes a dead holder's lock. It is first renamed away, so of two processes doing this at
 * once only one removes it; if what was renamed is not the dead holder's (another process took
 * the lock in between), it is put back.
 */
async function removeAbandonedLock(path: string, owner: LockOwner | undefined): Promise<void> {
  const aside = `${path}.abandoned-${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return; // Already removed by another process: acquiring again decides.
  }
  const renamed = await readOwner(aside);
  if (renamed?.pid !== owner?.pid || renamed?.hostname !== owner?.hostname) {
    await rename(aside, path).catch(() => undefined);
    return;
  }
  await rm(aside, { recursive: true, force: true });
}

function lockedError(root: string, path: string, owner: LockOwner | undefined): LockedError {
  if (owner === undefined) {
    return new LockedError({
      resource: root,
      holder: 'another graft process (it has not written its pid yet)',
      advice: `Wait for it to finish, or choose another --out. If no graft process is using this run, delete ${path}.`,
    });
  }
  const host = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`;
  return new LockedError({
    resource: root,
    holder: `${owner.command} (pid ${owner.pid}${host}, since ${owner.since})`,
    holderPid: owner.pid,
    advice: `Wait for it to finish or stop it (kill ${owner.pid}), or choose another --out. If that process is no longer running, delete ${path}.`,
  });
}
