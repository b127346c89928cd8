import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';
import { makeDirectory, withStoragePath } from './storage-errors.js';

/**
 * The files of one training run, `runs/<name>/`:
 * `config.json` (resolved options, versions, backend), `logs/history.jsonl` (one line per
 * epoch), `checkpoints/` (resumable state, written by the trainer), `model/` (the final
 * classifier), `report.json` (evaluation on validation and test data).
 */
export interface RunDirectory {
  /** Absolute path of the run. */
  root: string;
  /** Run name (the folder name). */
  name: string;
  configFile: string;
  historyFile: string;
  checkpointsDir: string;
  modelDir: string;
  reportFile: string;
  exportDir: string;
}

/** The paths of a run rooted at `path` (nothing is created). */
export function runDirectoryAt(path: string): RunDirectory {
  const root = resolve(path);
  return {
    root,
    name: basename(root),
    configFile: join(root, 'config.json'),
    historyFile: join(root, 'logs', 'history.jsonl'),
    checkpointsDir: join(root, 'checkpoints'),
    modelDir: join(root, 'model'),
    reportFile: join(root, 'report.json'),
    exportDir: join(root, 'export'),
  };
}

/** Creates the folders of a new run (a refused write is an error naming the folder). */
export async function createRunDirectory(path: string): Promise<RunDirectory> {
  const run = runDirectoryAt(path);
  await makeDirectory(join(run.root, 'logs'));
  await makeDirectory(run.checkpointsDir);
  return run;
}

/** Writes `value` as pretty JSON, atomically (a refused write is an error naming `path`). */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await withStoragePath(path, () => writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`));
}

/** Reads a JSON file of a run, with an error naming the file when it is missing or broken. */
export async function readJson<T>(path: string, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new AssetNotFoundError({
      fileName: basename(path),
      searched: [path],
      putItAt: path,
      reason: `${what} is missing (is this a run directory written by graft train?)`,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new FileFormatError({ file: path, problem: 'not valid JSON', cause: error });
  }
}

/** Opens an existing run, checking that it has a config.json. */
export async function openRunDirectory(path: string): Promise<RunDirectory> {
  const run = runDirectoryAt(path);
  const exists = await stat(run.root).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!exists) {
    throw new AssetNotFoundError({
      fileName: run.name,
      searched: [run.root],
      putItAt: run.root,
      reason: 'the run directory does not exist (graft train --out <dir> creates one)',
    });
  }
  return run;
}

/** Keeps the epoch history in memory and rewrites `logs/history.jsonl` atomically after each epoch. */
export class HistoryLog {
  private readonly lines: string[] = [];
  constructor(private readonly path: string) {}

  /** Appends one record and rewrites the file. */
  async append(record: Record<string, unknown>): Promise<void> {
    this.lines.push(JSON.stringify(record));
    await withStoragePath(this.path, () =>
      writeFileAtomic(this.path, `${this.lines.join('\n')}\n`),
    );
  }

  /** The records so far, oldest first. */
  records(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /**
   * Loads existing lines (on resume) so new epochs are appended after them; with `upToEpoch`,
   * drops (and rewrites the file without) lines of later epochs, which the resumed run redoes.
   */
  async load(upToEpoch?: number): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch(() => '');
    const lines = text.split('\n').filter((line) => line !== '');
    const kept =
      upToEpoch === undefined
        ? lines
        : lines.filter(
            (line) => ((JSON.parse(line) as { epoch?: number }).epoch ?? 0) <= upToEpoch,
          );
    this.lines.splice(0, this.lines.length, ...kept);
    if (kept.length < lines.length) {
      await writeFileAtomic(this.path, kept.length > 0 ? `${kept.join('\n')}\n` : '');
    }
  }
}
