import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { maxDifference, savedWeight } from '../testing/saved-weight.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

const project = useTinyProject({ name: 'discriminative', images: { train: 8, val: 4 } });

describe('graft train --backbone-lr-factor / --layer-decay', () => {
  it('scale the backbone learning rate, and only apply to fine-tuning', async () => {
    const train = async (name: string, ...extra: string[]) =>
      savedWeight((await trainTinyRun(project(), name, ...extra)).out, 'stage1_conv/kernel');
    // Feature extraction leaves the (seeded, random) backbone as it was initialised.
    const initial = await train('frozen');
    const full = await train('full', '--mode', 'fine-tune');
    const scaled = await train('scaled', '--mode', 'fine-tune', '--backbone-lr-factor', '1e-6');
    const decayed = await train('decayed', '--mode', 'fine-tune', '--layer-decay', '1e-3');
    const moved = maxDifference(full, initial);
    expect(moved).toBeGreaterThan(1e-3);
    expect(maxDifference(scaled, initial)).toBeLessThan(moved * 1e-4);
    // stage1 is two stages from the top: d² = 1e-6.
    expect(maxDifference(decayed, initial)).toBeLessThan(moved * 1e-4);

    const refused = await run(
      'train',
      join(project(), 'data'),
      '--backbone',
      testBackboneName,
      '--layer-decay',
      '0.5',
    );
    expect(refused.code).toBe(exitCodes.usage);
    expect(refused.stderr).toMatch(/--layer-decay.*applies only to --mode fine-tune/);
    const outOfRange = await run(
      'train',
      join(project(), 'data'),
      ...['--backbone', testBackboneName, '--mode', 'fine-tune', '--backbone-lr-factor', '2'],
    );
    expect(outOfRange.stderr).toMatch(/--backbone-lr-factor.*must be in \(0, 1\]/);
  });
});
