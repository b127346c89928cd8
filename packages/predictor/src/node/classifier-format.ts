import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Engines a classifier directory can be served or classified with. */
export const classifierEngines = ['auto', 'tfjs', 'onnx'] as const;

/**
 * The format of a classifier directory: `tfjs` when it holds `model.json` (`graft export`, a
 * run's `model/`, Teachable Machine), `onnx` when it holds only `model.onnx` (`graft export
 * --format onnx`, float32 or int8). A folder with neither is `tfjs`, whose loader names the
 * missing file.
 */
export async function classifierFormat(directory: string): Promise<'tfjs' | 'onnx'> {
  if (await exists(join(directory, 'model.json'))) return 'tfjs';
  return (await exists(join(directory, 'model.onnx'))) ? 'onnx' : 'tfjs';
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
