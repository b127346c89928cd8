import { describe, expect, it } from 'vitest';
import { maxDifference, savedWeight } from '../testing/saved-weight.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

const project = useTinyProject({ name: 'step-options', images: { train: 8, val: 4 } });

const train = (name: string, ...extra: string[]) => trainTinyRun(project(), name, ...extra);

describe('graft train --batch-norm / --clip-norm / --augmented-passes', () => {
  it('--batch-norm train trains BatchNorm parameters that the default keeps frozen', async () => {
    const initial = await savedWeight((await train('initial')).out, 'stage1_bn/gamma');
    const frozen = await train('frozen', '--mode', 'fine-tune');
    const trained = await train('trained', '--mode', 'fine-tune', '--batch-norm', 'train');
    expect(maxDifference(await savedWeight(frozen.out, 'stage1_bn/gamma'), initial)).toBe(0);
    expect(
      maxDifference(await savedWeight(trained.out, 'stage1_bn/gamma'), initial),
    ).toBeGreaterThan(1e-4);
    // Both train the convolutions.
    expect(
      maxDifference(
        await savedWeight(frozen.out, 'stage1_conv/kernel'),
        await savedWeight((await train('initial-again')).out, 'stage1_conv/kernel'),
      ),
    ).toBeGreaterThan(1e-4);
  });

  it('--clip-norm bounds each step (SGD moves at most lr × norm per step)', async () => {
    const initial = await savedWeight((await train('clip-initial')).out, 'stage1_conv/kernel');
    const fineTune = ['--mode', 'fine-tune', '--optimizer', 'sgd'];
    const free = await train('unclipped', ...fineTune);
    const clipped = await train('clipped', ...fineTune, '--clip-norm', '1e-6');
    const moved = maxDifference(await savedWeight(free.out, 'stage1_conv/kernel'), initial);
    expect(moved).toBeGreaterThan(1e-4);
    // 2 epochs × 2 steps × lr 0.05 × norm 1e-6 bounds any one weight's movement.
    expect(
      maxDifference(await savedWeight(clipped.out, 'stage1_conv/kernel'), initial),
    ).toBeLessThanOrEqual(4 * 0.05 * 1e-6 * 1.01);
  });

  it('--augmented-passes sets how many augmented copies are featurised', async () => {
    const two = await train('two-passes', '--augment', 'randomFlip', '--augmented-passes', '2');
    expect(two.output).toMatch(/features pass 2/);
    expect(two.output).not.toMatch(/features pass 3/);
    const defaults = await train('default-passes', '--augment', 'randomFlip');
    expect(defaults.output).toMatch(/features pass 4/);
  });
});
