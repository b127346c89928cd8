import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { registerTestBackboneIfAsked, testBackboneVariable } from './test-backbone.js';
import { writeColourImages } from './write-test-images.js';

/** Options of {@link useTinyProject}. */
export interface TinyProjectOptions {
  /** Temp folder prefix, e.g. `keep-best`. */
  name: string;
  /** Colour images per class written to `data/train` and `data/val`. */
  images: { train: number; val: number };
}

/**
 * For a test file running the CLI in-process on the test-only 16×16 backbone: registers it, and
 * writes three classes of colour images to `<folder>/data` in a temp folder removed after the
 * file's tests. Returns a getter of the folder (set once `beforeAll` ran).
 */
export function useTinyProject(options: TinyProjectOptions): () => string {
  let directory = '';
  beforeAll(async () => {
    process.env[testBackboneVariable] = '1';
    await registerTestBackboneIfAsked();
    directory = await mkdtemp(join(tmpdir(), `graft-${options.name}-`));
    await writeColourImages(join(directory, 'data'), options.images);
  });
  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return () => directory;
}
