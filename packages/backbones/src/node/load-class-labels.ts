import { readFile } from 'node:fs/promises';
import { FileFormatError } from '@graft/core';
import { resolveAsset } from '@graft/core/node';
import type { WeightResolutionOptions } from '../weights/weight-resolution.js';

/** One class of a pretrained classifier. */
export interface ClassLabel {
  /** WordNet id, e.g. `n01440764`. */
  wnid: string;
  /** Readable name, e.g. `tench`. */
  name: string;
}

/** Options of {@link loadClassLabels}. */
export interface LoadClassLabelsOptions extends Omit<WeightResolutionOptions, 'weightsPath'> {
  /** Where the class index lives (a descriptor's `classLabels`). */
  classLabels: { url: string; mirrorPath: string };
  /** Explicit path of the class index file. */
  path?: string;
}

/**
 * Loads a Keras class index (`{"0": ["n01440764", "tench"], …}`, as `decode_predictions` uses)
 * resolved explicit path → cache → mirror → download. Index `i` of the result is class `i`.
 */
export async function loadClassLabels(options: LoadClassLabelsOptions): Promise<ClassLabel[]> {
  const resolved = await resolveAsset({
    relativePath: options.classLabels.mirrorPath,
    url: options.classLabels.url,
    explicitPath: options.path,
    cacheDir: options.cacheDir,
    mirrorDirs: options.mirrorDirs,
    offline: options.offline,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  let index: Record<string, [string, string]>;
  try {
    index = JSON.parse(await readFile(resolved.path, 'utf8')) as Record<string, [string, string]>;
  } catch (error) {
    throw new FileFormatError({ file: resolved.path, problem: 'is not valid JSON', cause: error });
  }
  const count = Object.keys(index).length;
  return Array.from({ length: count }, (_, position) => {
    const entry = index[String(position)];
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new FileFormatError({
        file: resolved.path,
        problem: `class ${position} is missing or not a [wnid, name] pair`,
      });
    }
    return { wnid: entry[0], name: entry[1] };
  });
}
