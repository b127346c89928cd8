import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { FileFormatError } from '@graft/core';
import { temporaryPathFor } from '@graft/core/node';
import * as tar from 'tar';

/** Options of {@link extractTarGz}. */
export interface ExtractTarGzOptions {
  /** The `.tar.gz` archive. */
  archive: string;
  /** Folder the archive's entries land in (created; replaced atomically when complete). */
  destination: string;
}

/**
 * Extracts a `.tar.gz` safely: every entry must be a plain file or folder whose path stays inside
 * `destination` (no absolute paths, no `..`, no symbolic or hard links). Entries go to a temporary
 * sibling folder that is renamed onto `destination` only after the whole archive extracted, so an
 * interrupted extraction never looks complete. A bad entry is a {@link FileFormatError} naming the
 * archive and the entry, and nothing is left behind.
 */
export async function extractTarGz(options: ExtractTarGzOptions): Promise<void> {
  const destination = resolve(options.destination);
  const temporary = temporaryPathFor(destination);
  await mkdir(temporary, { recursive: true });
  const rejected: string[] = [];
  const warnings: string[] = [];
  try {
    await tar.x({
      file: options.archive,
      cwd: temporary,
      strict: true,
      onwarn: (_code, message) => warnings.push(message),
      filter: (path, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        const target = resolve(temporary, path);
        const inside = target === temporary || target.startsWith(temporary + sep);
        if (isAbsolute(path) || !inside || path.split(/[\\/]/).includes('..')) {
          rejected.push(`${path} (escapes the target folder)`);
          return false;
        }
        if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') {
          rejected.push(`${path} (${type} entries are not allowed)`);
          return false;
        }
        return true;
      },
    });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw new FileFormatError({
      file: options.archive,
      problem: `cannot extract (${(error as Error).message})${rejected.length > 0 ? `; rejected entries: ${rejected.join(', ')}` : ''}`,
      cause: error,
    });
  }
  if (rejected.length > 0 || warnings.length > 0) {
    await rm(temporary, { recursive: true, force: true });
    throw new FileFormatError({
      file: options.archive,
      problem: `unsafe or damaged archive, nothing extracted: ${[...rejected, ...warnings].join('; ')}`,
    });
  }
  await mkdir(dirname(destination), { recursive: true });
  await rm(destination, { recursive: true, force: true });
  await rename(temporary, destination);
}
