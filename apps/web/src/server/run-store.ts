import { readdir, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { type ParsedHistory, parseHistory } from './parse-history.js';
import { isSafeSegment, resolveInside } from './safe-path.js';

/** Where a run keeps its epoch log, first match wins (the CLI writes `logs/history.jsonl`). */
export const historyFileCandidates: readonly (readonly string[])[] = [
  ['logs', 'history.jsonl'],
  ['history.jsonl'],
];

/** Files of a run's `model/` folder the server hands out. */
const modelFilePattern = /^(model\.json|metadata\.json|[\w.-]+\.bin)$/;

/** Image types the misclassified gallery may serve, by extension. */
export const imageContentTypes: Readonly<Record<string, string>> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
};

/** One line of the runs list. */
export interface RunSummary {
  name: string;
  /** Last change of the run's log or report (ISO time). */
  updatedAt: string;
  epochs: number;
  hasReport: boolean;
  hasModel: boolean;
  /** A few config fields, when config.json is readable. */
  backbone?: string;
  mode?: string;
}

/** Read-only access to the run directories under one root. */
export class RunStore {
  constructor(readonly runsDir: string) {}

  /** Run folders (those with a config.json, a log or a report), most recently updated first. */
  async list(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = (await readdir(this.runsDir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && isSafeSegment(entry.name))
        .map((entry) => entry.name);
    } catch {
      return [];
    }
    const runs: RunSummary[] = [];
    for (const name of names) {
      const summary = await this.summary(name);
      if (summary !== undefined) runs.push(summary);
    }
    return runs.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** The summary of one run, or `undefined` when it is not a run folder. */
  async summary(name: string): Promise<RunSummary | undefined> {
    const root = await this.runRoot(name);
    if (root === undefined) return undefined;
    const config = await this.readJson(name, ['config.json']);
    const historyPath = await this.historyPath(name);
    const reportPath = await resolveInside(this.runsDir, [name, 'report.json']);
    if (config === undefined && historyPath === undefined && reportPath === undefined) {
      return undefined;
    }
    const history = await this.history(name);
    const times = await Promise.all(
      [historyPath, reportPath, root].map((path) =>
        path === undefined
          ? 0
          : stat(path).then(
              (stats) => stats.mtimeMs,
              () => 0,
            ),
      ),
    );
    const configObject = (config ?? {}) as Record<string, unknown>;
    return {
      name,
      updatedAt: new Date(Math.max(...times)).toISOString(),
      epochs: history.epochs.length,
      hasReport: reportPath !== undefined,
      hasModel: (await this.modelFile(name, 'model.json')) !== undefined,
      ...(typeof configObject.backbone === 'string' ? { backbone: configObject.backbone } : {}),
      ...(typeof configObject.mode === 'string' ? { mode: configObject.mode } : {}),
    };
  }

  /** The parsed epoch log (empty when the run has none yet). */
  async history(name: string): Promise<ParsedHistory> {
    const path = await this.historyPath(name);
    if (path === undefined) return { epochs: [], skippedLines: 0, finished: false };
    return parseHistory(await readFile(path, 'utf8').catch(() => ''));
  }

  /** A JSON file of the run, `undefined` when missing; `null` when unreadable JSON. */
  async readJson(name: string, segments: readonly string[]): Promise<unknown> {
    const path = await resolveInside(this.runsDir, [name, ...segments]);
    if (path === undefined) return undefined;
    try {
      return JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch {
      return null;
    }
  }

  /** Path of a file of the run's `model/` folder, if it is one the server hands out. */
  async modelFile(name: string, file: string): Promise<string | undefined> {
    if (!modelFilePattern.test(file)) return undefined;
    return resolveInside(this.runsDir, [name, 'model', file]);
  }

  /**
   * The image of the `index`-th misclassified example of `split` (`validation` or `test`) in the
   * run's report. Only paths the report lists, and only image files, are served: the gallery
   * reads the dataset the run was evaluated on, nothing else.
   */
  async misclassifiedImage(
    name: string,
    split: string,
    index: number,
  ): Promise<{ path: string; contentType: string } | undefined> {
    if (split !== 'validation' && split !== 'test') return undefined;
    const report = (await this.readJson(name, ['report.json'])) as Record<string, unknown> | null;
    const section = report?.[split] as { misclassified?: Array<{ source?: unknown }> } | undefined;
    const source = section?.misclassified?.[index]?.source;
    if (typeof source !== 'string') return undefined;
    const contentType = imageContentTypes[extname(source).toLowerCase()];
    if (contentType === undefined) return undefined;
    const isFile = await stat(source).then(
      (stats) => stats.isFile(),
      () => false,
    );
    return isFile ? { path: source, contentType } : undefined;
  }

  private async runRoot(name: string): Promise<string | undefined> {
    if (!isSafeSegment(name)) return undefined;
    const root = await resolveInside(this.runsDir, [name]);
    if (root === undefined) return undefined;
    const isDirectory = await stat(root).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    return isDirectory ? root : undefined;
  }

  private async historyPath(name: string): Promise<string | undefined> {
    for (const candidate of historyFileCandidates) {
      const path = await resolveInside(this.runsDir, [name, ...candidate]);
      if (path !== undefined) return path;
    }
    return undefined;
  }
}
