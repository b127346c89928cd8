import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'lr-find', images: { train: 12, val: 2 } });

describe('graft lr-find --plot', () => {
  it('writes the curve as an SVG chart: smoothed and batch loss, and the suggested rate', async () => {
    const plot = join(project(), 'curve.svg');
    const result = await run(
      '--json',
      'lr-find',
      join(project(), 'data'),
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

  it('probes the loss graft train would minimise (--loss focal is below cross-entropy)', async () => {
    const rawLosses = async (...extra: string[]) => {
      const result = await run(
        '--json',
        'lr-find',
        join(project(), 'data'),
        ...['--backbone', testBackboneName, '--weights', 'none', '--batch-size', '4'],
        ...['--steps', '3', '--start', '1e-6', '--end', '1e-5', ...extra],
      );
      expect(result.code, result.stderr).toBe(exitCodes.success);
      return (JSON.parse(result.stdout) as { rawLosses: number[] }).rawLosses;
    };
    const plain = await rawLosses();
    const focal = await rawLosses('--loss', 'focal:gamma=2');
    // Same weights and first batch: (1 − p)^2 < 1 makes every focal term smaller.
    expect(focal[0]).toBeLessThan((plain[0] as number) * 0.9);
  });
});
