import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { version } from '../version.js';
import { decoderName } from './compute-shard.js';
import type { PredictIdentity } from './predict-job.js';

/**
 * sha256 over every file directly in the classifier directory, by name and bytes (model.json,
 * weight shards, metadata.json with labels and preprocessing): two machines agree on it exactly
 * when they load the same classifier.
 */
export async function classifierDigest(modelDir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(modelDir, { withFileTypes: true });
  for (const entry of entries.filter((file) => file.isFile()).sort(byName)) {
    const bytes = await readFile(join(modelDir, entry.name));
    hash.update(`${entry.name}\t${bytes.length}\n`).update(bytes);
  }
  return hash.digest('hex');
}

/** The identity of the probabilities this process computes with the classifier in `modelDir`. */
export async function predictIdentityOf(options: {
  modelDir: string;
  backend: string;
}): Promise<PredictIdentity> {
  return {
    classifier: await classifierDigest(options.modelDir),
    backend: options.backend,
    decoder: decoderName(),
    graft: version,
  };
}

/** The fields of `expected` that `actual` does not match, as `name: actual ≠ expected` lines. */
export function predictIdentityMismatches(
  actual: PredictIdentity,
  expected: PredictIdentity,
): string[] {
  return (Object.keys(expected) as (keyof PredictIdentity)[])
    .filter((field) => actual[field] !== expected[field])
    .map((field) => `${field}: this worker has ${actual[field]}, the run needs ${expected[field]}`);
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
