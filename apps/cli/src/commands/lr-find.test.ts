import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import {
  registerTestBackboneIfAsked,
  testBackboneName,
  testBackboneVariable,
} from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';

let directory: string;

beforeAll(async () => {
  process.env[testBackboneVariable] = '1';
  await registerTestBackboneIfAsked();
  directory = await mkdtemp(join(tmpdir(), 'graft-lr-find-'));
  await writeColourImages(join(directory, 'data'), { train: 12, val: 2 });
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft lr-find --plot', () => {
  it('writes the curve as an SVG chart: smoothed and batch loss, and the suggested rate', async () => {
    const plot = join(directory, 'curve.svg');
    const result = await run(
      '--json',
      'lr-find',
      join(directory, 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--batch-size', '4'],
      ...['--steps', '30', '--start', '1e-4', '--end', '10', '--plot', plot],
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const curve = JSON.parse(result.stdout) as { suggestion?: number; learningRates: number[] };
    const svg = await readFile(plot, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(svg.match(/aria-roledescription="rule mark"/g)?.length ?? 0).toBe(
      curve.suggestion === undefined ? 0 : 1,
    );
    expect(svg).toContain(
      curve.suggestion === undefined
        ? 'no suggestion'
        : `suggested ${curve.suggestion.toPrecision(2)}`,
    );
  });
});
