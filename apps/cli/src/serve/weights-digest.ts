import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * SHA-256 of a classifier directory's `model.json` and weight files (in manifest order), or of
 * its `model.onnx` for an ONNX export (`format`): the identity `GET /v1/model` reports, so a
 * client can tell which exact weights answer it.
 */
export async function weightsDigest(
  directory: string,
  format: 'tfjs' | 'onnx' = 'tfjs',
): Promise<string> {
  const hash = createHash('sha256');
  if (format === 'onnx')
    return hash.update(await readFile(join(directory, 'model.onnx'))).digest('hex');
  const modelJson = await readFile(join(directory, 'model.json'));
  hash.update(modelJson);
  const manifest = (
    JSON.parse(modelJson.toString('utf8')) as {
      weightsManifest?: Array<{ paths: string[] }>;
    }
  ).weightsManifest;
  for (const group of manifest ?? []) {
    for (const path of group.paths) hash.update(await readFile(join(directory, path)));
  }
  return hash.digest('hex');
}
