import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AssetNotFoundError } from '@graft/core';
import { openRunDirectory, type RunDirectory } from './run-directory.js';

/** Where a command that classifies finds its classifier. */
export interface ClassifierSource {
  /** Absolute path the user gave. */
  root: string;
  /** Its folder name, for messages. */
  name: string;
  /** Directory holding `model.json`, the weights and `metadata.json`. */
  modelDir: string;
  /** The run, when `root` is a run directory (`graft train` output); absent for a bare directory. */
  run?: RunDirectory;
}

/**
 * A run directory (`<run>/model/` holds the classifier) or a bare classifier directory
 * (`model.json` + `weights.bin` + `metadata.json`, as `graft export` and Teachable Machine write).
 * Which files are missing is reported when the classifier is loaded; here only a folder that is
 * neither is rejected.
 */
export async function openClassifierSource(path: string): Promise<ClassifierSource> {
  const run = await openRunDirectory(path);
  if (await exists(run.modelDir)) {
    return { root: run.root, name: run.name, modelDir: run.modelDir, run };
  }
  const bareFiles = ['model.json', 'metadata.json'].map((name) => join(run.root, name));
  for (const file of bareFiles) {
    if (await exists(file)) return { root: run.root, name: run.name, modelDir: run.root };
  }
  throw new AssetNotFoundError({
    fileName: 'model.json',
    searched: [join(run.modelDir, 'model.json'), ...bareFiles],
    putItAt: join(run.root, 'model.json'),
    reason: `${run.root} is neither a run directory (graft train writes model/ in it) nor a classifier directory (model.json, weights.bin and metadata.json, as graft export and Teachable Machine write)`,
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
