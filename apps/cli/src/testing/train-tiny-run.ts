import { join } from 'node:path';
import { expect } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from './run-in-process.js';
import { testBackboneName } from './test-backbone.js';

/**
 * `graft train` on a tiny project's data with the test backbone (random weights, 2 epochs of
 * batch 4 at lr 0.05, one extraction thread) into `<project>/<name>`, plus `extra` flags.
 * Expects success; returns the run directory and everything the command printed.
 */
export async function trainTinyRun(
  project: string,
  name: string,
  ...extra: string[]
): Promise<{ out: string; output: string }> {
  const out = join(project, name);
  const result = await runInProcess(
    'train',
    join(project, 'data'),
    ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '2'],
    ...['--batch-size', '4', '--lr', '0.05', '--extraction-workers', '1'],
    ...['--out', out, ...extra],
  );
  expect(result.code, result.stderr).toBe(exitCodes.success);
  return { out, output: `${result.stdout}\n${result.stderr}` };
}
