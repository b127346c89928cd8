import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockedError } from '@graft/core';
// The locks proper-lockfile holds (not re-exported by its index), to read the mtime it expects.
import { getLocks } from 'proper-lockfile/lib/lockfile.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockRun, runLockPath } from './run-lock.js';

/** The pid of a process that has exited (so no process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockRun', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'graft-lock-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a second holder at once, naming the first one pid, until it is released', async () => {
    const root = join(directory, 'runs', 'a');
    const first = await lockRun({ root, command: 'graft train' });
    expect(first.path).toBe(join(directory, 'runs', '.a.lock'));
    const owner = JSON.parse(await readFile(join(first.path, 'owner.json'), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, command: 'graft train' });

    const second = lockRun({ root, command: 'graft train' });
    await expect(second).rejects.toSatisfy(LockedError.isInstance);
    await expect(lockRun({ root, command: 'graft train' })).rejects.toThrow(
      `${root} is in use by graft train (pid ${process.pid}, since ${owner.since}).`,
    );

    await first.release();
    expect(await readdir(join(directory, 'runs'))).toEqual([]);
    const third = await lockRun({ root, command: 'graft resume' });
    await third.release();
  });

  it('leaves the lock folder with the mtime proper-lockfile refreshes (or it gives the lock up)', async () => {
    const root = join(directory, 'refreshed');
    const lock = await lockRun({ root, command: 'graft train' });
    // What proper-lockfile compares at each refresh; a difference means "compromised".
    const held = (getLocks() as Record<string, { mtime: Date }>)[root];
    expect((await stat(lock.path)).mtime.getTime()).toBe(held?.mtime.getTime());
    await lock.release();
  });

  it('takes over at once the lock of a process that died (SIGKILL leaves its folder)', async () => {
    const root = join(directory, 'killed');
    const path = runLockPath(root);
    await mkdir(path);
    const pid = deadPid();
    await writeFile(
      join(path, 'owner.json'),
      JSON.stringify({ pid, hostname: hostname(), command: 'graft train', since: 'then' }),
    );
    const lock = await lockRun({ root, command: 'graft train' });
    const owner = JSON.parse(await readFile(join(path, 'owner.json'), 'utf8'));
    expect(owner.pid).toBe(process.pid);
    await lock.release();
  });

  it('treats a fresh lock without owner as held, and an old one as abandoned', async () => {
    const root = join(directory, 'ownerless');
    const path = runLockPath(root);
    await mkdir(path);
    await expect(lockRun({ root, command: 'graft train' })).rejects.toThrow(
      'is in use by another graft process (it has not written its pid yet)',
    );
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(path, minuteAgo, minuteAgo);
    const lock = await lockRun({ root, command: 'graft train' });
    await lock.release();
  });

  it('does not take over a lock held on another host', async () => {
    const root = join(directory, 'remote');
    const path = runLockPath(root);
    await mkdir(path);
    await writeFile(
      join(path, 'owner.json'),
      JSON.stringify({
        pid: deadPid(),
        hostname: 'elsewhere',
        command: 'graft train',
        since: 'then',
      }),
    );
    await expect(lockRun({ root, command: 'graft train' })).rejects.toThrow('on host elsewhere');
  });
});
