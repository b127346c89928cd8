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
 * For a test file running the CLI in-process on the test-only 16×16 backbone: registers it,
 * writes three classes of colour images to `<folder>/data` in a temp folder removed after the
 * file's tests, and points `GRAFT_CACHE_DIR` at `<folder>/cache` meanwhile. Returns a getter of the folder (set once `beforeAll` ran).
 */
export function useTinyProject(options: TinyProjectOptions): () => string {
  let directory = '';
  const previousCache = process.env.GRAFT_CACHE_DIR;
  beforeAll(async () => {
    process.env[testBackboneVariable] = '1';
    await registerTestBackboneIfAsked();
    directory = await mkdtemp(join(tmpdir(), `graft-${options.name}-`));
    // Features and graphs cached by one test file stay out of the user's cache and other files.
    process.env.GRAFT_CACHE_DIR = join(directory, 'cache');
    await writeColourImages(join(directory, 'data'), options.images);
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.GRAFT_CACHE_DIR;
    else process.env.GRAFT_CACHE_DIR = previousCache;
    if (directory) await rm(directory, { recursive: true, force: true });
  });
  return () => directory;
}
