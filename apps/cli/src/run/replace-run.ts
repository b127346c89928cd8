import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { withStoragePath } from './storage-errors.js';

/** Options of {@link prepareRunOutput}. */
export interface RunOutputOptions {
  /** The run directory `graft train` is about to write (absolute). */
  root: string;
  /** `--overwrite`: an existing run may be replaced. */
  overwrite: boolean;
}

/** The output of a new run, with what it replaces. */
export interface RunOutput {
  /** Where the replaced run was moved until the new one is saved; undefined when none. */
  previous: string | undefined;
  /** Runs moved aside by earlier overwrites that never finished (killed), still on disk. */
  leftovers: readonly string[];
  /** True when a run that never saved a checkpoint (nothing to resume) was deleted to start anew. */
  replacedUnstarted: boolean;
  /** The new run is saved: deletes the replaced one. */
  commit(): Promise<void>;
  /** The new run failed: deletes what it wrote and puts the replaced run back. */
  restore(): Promise<void>;
}

/** The folder a replaced run waits in: hidden, beside it, named by the replacing process. */
function previousPath(root: string, pid: number): string {
  return join(dirname(root), `.${basename(root)}.previous-${pid}`);
}

/** What a folder holds: a graft run with results, one that never saved a checkpoint, or else. */
type FolderContent = 'run' | 'unstarted-run' | 'other';

/** Entries of a run killed or failed before its first checkpoint. */
const unstartedEntries = new Set(['config.json', 'logs', 'checkpoints']);

async function folderContent(root: string, entries: readonly string[]): Promise<FolderContent> {
  const config = await readFile(join(root, 'config.json'), 'utf8')
    .then((text) => JSON.parse(text) as { graftVersion?: unknown })
    .catch(() => undefined);
  // graft train writes graftVersion into every config.json; another tool's config.json is not ours.
  if (config === null || typeof config !== 'object' || !('graftVersion' in config)) return 'other';
  if (!entries.every((name) => unstartedEntries.has(name))) return 'run';
  const checkpoints = await readdir(join(root, 'checkpoints')).catch(() => [] as string[]);
  return checkpoints.length === 0 ? 'unstarted-run' : 'run';
}

/**
 * Checks that a new run may be written at `root`: a missing or empty folder is fine, and so is a
 * run that never saved a checkpoint (failed or killed before its first epoch: deleted, as it
 * holds nothing to resume); an existing run is refused unless `overwrite`, and then moved aside
 * in one rename (never deleted before the new run is saved, never mixed with it: a crash leaves
 * the new run at `root` and the old one beside it, whole). A non-empty folder that is not a
 * graft run (no config.json with graftVersion) is never replaced. Call it while holding the
 * run's lock.
 */
export async function prepareRunOutput(options: RunOutputOptions): Promise<RunOutput> {
  const { root } = options;
  const leftovers = await findLeftovers(root);
  const nothing: RunOutput = {
    previous: undefined,
    leftovers,
    replacedUnstarted: false,
    commit: async () => {},
    restore: async () => {},
  };
  const stats = await stat(root).catch(() => undefined);
  if (stats === undefined) return nothing;
  if (!stats.isDirectory()) {
    throw new InvalidArgumentError({
      argument: '--out',
      value: root,
      expected: 'must be a folder for the run, but a file is there: choose another --out',
    });
  }
  const entries = await readdir(root);
  if (entries.length === 0) return nothing;
  const content = await folderContent(root, entries);
  if (content === 'unstarted-run') {
    await withStoragePath(root, () => rm(root, { recursive: true, force: true }));
    return { ...nothing, replacedUnstarted: true };
  }
  if (content === 'other') {
    throw new InvalidArgumentError({
      argument: '--out',
      value: root,
      expected:
        'is a non-empty folder that is not a graft run (no config.json written by graft), and graft never replaces one: choose a new or empty folder',
    });
  }
  if (!options.overwrite) {
    throw new InvalidArgumentError({
      argument: '--out',
      value: root,
      expected:
        'already holds a run: pass --overwrite to replace it (it is kept until the new run is saved), choose another --out, or continue it with graft resume',
    });
  }
  const previous = previousPath(root, process.pid);
  await withStoragePath(root, () => rename(root, previous));
  return {
    previous,
    leftovers,
    replacedUnstarted: false,
    commit: () => rm(previous, { recursive: true, force: true }),
    restore: async () => {
      await rm(root, { recursive: true, force: true });
      await rename(previous, root);
    },
  };
}

/** Folders left by overwrites of `root` that were killed before they finished. */
async function findLeftovers(root: string): Promise<string[]> {
  const prefix = `.${basename(root)}.previous-`;
  const names = await readdir(dirname(root)).catch(() => [] as string[]);
  return names
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => join(dirname(root), name));
}
