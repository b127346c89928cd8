import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** A tmpfs mounted for a test. */
export interface MountedTmpfs {
  /** Where it is mounted. */
  path: string;
  /** Makes it read-only (`mount -o remount,ro`), which root cannot bypass as it does chmod. */
  makeReadOnly(): void;
  /** Unmounts it (lazily, so a test's open files do not keep it). */
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` at `path` for disk-full and read-only tests, or returns
 * undefined where mounting is not permitted (not root, or no CAP_SYS_ADMIN in a container).
 */
export function mountTmpfs(path: string, sizeBytes: number): MountedTmpfs | undefined {
  mkdirSync(path, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path], {
      stdio: 'ignore',
    });
  } catch {
    return undefined;
  }
  return {
    path,
    makeReadOnly: () => execFileSync('mount', ['-o', 'remount,ro', path], { stdio: 'ignore' }),
    unmount: () => execFileSync('umount', ['-l', path], { stdio: 'ignore' }),
  };
}
