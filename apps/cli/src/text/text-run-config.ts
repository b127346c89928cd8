import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { TrainConfig } from '../config/train-config.js';
import type { RunDirectory } from '../run/run-directory.js';
import { writeJson } from '../run/run-directory.js';
import { version } from '../version.js';

/** What a text run records in `config.json`, so `graft resume` can finish it. */
export interface TextRunConfig extends TrainConfig {
  graftVersion: string;
  createdAt: string;
  /** Marks the run as a text run (the image path's resume reads checkpoints it has not). */
  modality: 'text';
  /** The text path's own choices. */
  text: {
    /** Each non-empty line of a `.txt` file was one example. */
    linePerExample: boolean;
    /** `--folds`, for a folded text run. */
    folds?: number;
  };
}

/** Writes a text run's `config.json`, with the data path relative to the run directory. */
export async function writeTextRunConfig(
  run: RunDirectory,
  config: TrainConfig,
  text: TextRunConfig['text'],
): Promise<void> {
  const record: TextRunConfig = {
    ...config,
    data: relative(run.root, resolve(config.data)) || '.',
    out: '.',
    graftVersion: version,
    createdAt: new Date().toISOString(),
    modality: 'text',
    text,
  };
  await writeJson(run.configFile, record);
}

/** A text run's `config.json`, or undefined when the run is not a text run. */
export async function readTextRunConfig(run: RunDirectory): Promise<TextRunConfig | undefined> {
  const saved = await readFile(run.configFile, 'utf8')
    .then((text) => JSON.parse(text) as Partial<TextRunConfig>)
    .catch(() => undefined);
  return saved?.modality === 'text' ? (saved as TextRunConfig) : undefined;
}
