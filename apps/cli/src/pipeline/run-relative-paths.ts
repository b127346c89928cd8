import { basename, relative, resolve } from 'node:path';
import type { JsonObject } from '@graft/core';
import type { RunDirectory } from '../run/run-directory.js';
import type { LossTermSettings } from './load-loss-terms.js';

/** `path` relative to the run directory (how config.json records it). */
export function pathFromRun(run: RunDirectory, path: string): string {
  return relative(run.root, resolve(path)) || '.';
}

/** Loss-term settings with their folders relative to the run directory (see `graft resume`). */
export function lossTermsFromRun(run: RunDirectory, settings: LossTermSettings): LossTermSettings {
  return {
    ...settings,
    ...(settings.teacher !== undefined ? { teacher: pathFromRun(run, settings.teacher) } : {}),
    ...(settings.coralTarget !== undefined
      ? { coralTarget: pathFromRun(run, settings.coralTarget) }
      : {}),
  };
}

/** The loss terms' metadata with local folders reduced to their names. */
export function withoutLocalPaths(config: JsonObject | undefined): JsonObject {
  if (config === undefined) return {};
  const result: JsonObject = { ...config };
  for (const key of ['teacherRun', 'coralTarget']) {
    const value = result[key];
    if (typeof value === 'string') result[key] = basename(value);
  }
  return result;
}
