import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { requireBinary, runBinary } from './run-binary.js';

// The built binary starts decoding `graft train`'s folder before its modules load
// (early-decode-prefetch.ts): the run must take those pixels, and a run that fails must still
// end (the decode threads never hold the process). Its charts are drawn in the chart thread.
const project = useTinyProject({ name: 'early-decode-prefetch', images: { train: 2, val: 1 } });
const env = () => ({
  [testBackboneVariable]: '1',
  GRAFT_CACHE_DIR: join(project(), 'cache'),
  GRAFT_OFFLINE: '1',
});

const train = (out: string, ...extra: string[]) =>
  runBinary(
    [
      'train',
      join(project(), 'data'),
      ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '1'],
      ...['--batch-size', '4', '--extraction-workers', '1', '--out', join(project(), out)],
      ...extra,
    ],
    { env: env() },
  );

describe('graft train (built binary) with the early decode prefetch', () => {
  it('takes every image from the prefetch started at process start', async () => {
    requireBinary();
    const result = await train('run', '--verbose');
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /decode prefetch: 9 of 9 images decoded ahead in a worker thread started at process start/,
    );
    // The charts came from the chart thread the first epoch started (render-chart.ts).
    for (const chart of ['loss.svg', 'accuracy.svg', 'reliability.svg']) {
      const svg = await readFile(join(project(), 'run', 'plots', chart), 'utf8');
      expect(svg, chart).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    }
  });

  it('exits when its options or its output are refused after decoding started', async () => {
    // Refused while parsing (before graft train could adopt the prefetch).
    const usage = await train('bad-lr', '--lr', '-1');
    expect(usage.code, usage.stderr).toBe(exitCodes.usage);
    // Refused once the run starts (a file where the run must go), after decoding began.
    const blocker = join(project(), 'blocker');
    await writeFile(blocker, 'x');
    const blocked = await train(join('blocker', 'run'));
    expect(blocked.code, blocked.stderr).toBe(exitCodes.usage);
    expect(blocked.stderr).toMatch(/blocker/);
  });
});
