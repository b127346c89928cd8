import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '@graft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MountedTmpfs, mountTmpfs } from '../testing/mount-tmpfs.js';
import { checkFreeSpace, formatBytes, makeDirectory, toStorageError } from './storage-errors.js';

const enospc = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), {
    code: 'ENOSPC',
    syscall: 'write',
  });

describe('toStorageError', () => {
  it('names the file being written when Node names none (a failed write)', () => {
    const error = toStorageError(enospc(), '/runs/a/logs/history.jsonl');
    expect(StorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Cannot write /runs/a/logs/history.jsonl: no space left on the device. Free up space on that disk, or write the run to another disk (--out).',
    );
  });

  it("keeps Node's own path when it has one", () => {
    const error = Object.assign(new Error("EROFS: read-only file system, open '/ro/x'"), {
      code: 'EROFS',
      path: '/ro/x',
    });
    expect((toStorageError(error, '/ro') as Error).message).toContain(
      'Cannot write /ro/x: the file system is read-only.',
    );
  });

  it('leaves other errors alone', () => {
    const error = new Error('boom');
    expect(toStorageError(error, '/x')).toBe(error);
  });
});

describe('checkFreeSpace', () => {
  it('names the folder, the free and the needed bytes when the disk is too full', async () => {
    const directory = join(tmpdir(), 'not-made-yet', 'run');
    const check = checkFreeSpace({
      directory,
      requiredBytes: Number.MAX_SAFE_INTEGER,
      what: 'this run',
    });
    await expect(check).rejects.toThrow(
      new RegExp(
        `^Cannot write ${directory}: its disk has .* free and this run needs about 9007\\.2 TB`,
      ),
    );
  });

  it('passes when there is room', async () => {
    await expect(
      checkFreeSpace({ directory: tmpdir(), requiredBytes: 1, what: 'this run' }),
    ).resolves.toBeUndefined();
  });

  it('formats sizes as df -H does', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_650_000)).toBe('1.6 MB');
  });
});

describe('makeDirectory on a read-only file system', () => {
  let directory: string;
  let disk: MountedTmpfs | undefined;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'graft-storage-'));
    disk = mountTmpfs(join(directory, 'disk'), 1024 * 1024);
    disk?.makeReadOnly();
  });
  afterAll(async () => {
    disk?.unmount();
    await rm(directory, { recursive: true, force: true });
  });

  it.runIf(process.getuid?.() === 0)(
    'reports EROFS naming the folder, not the ENOENT of recursive mkdir',
    async () => {
      expect(disk, 'mount -t tmpfs must work as root').toBeDefined();
      const path = join(directory, 'disk', 'runs', 'a', 'logs');
      const made = makeDirectory(path);
      await expect(made).rejects.toThrow(
        `Cannot write ${join(directory, 'disk', 'runs')}: the file system is read-only.`,
      );
    },
  );
});
