import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';

const project = useTinyProject({ name: 'imbalance', images: { train: 12, val: 4 } });

const common = [
  ...['--backbone', testBackboneName, '--weights', 'none', '--lr', '0.05'],
  ...['--batch-size', '8', '--extraction-workers', '1', '--engine', 'tfjs'],
];
const imbalanceFlags = [
  ...['--class-weight', 'balanced', '--loss', 'focal:gamma=2', '--label-smoothing', '0.1'],
  ...['--monitor', 'val_macro_f1'],
];

async function historyOf(out: string): Promise<Array<Record<string, number>>> {
  return (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);
}

describe('graft train --class-weight --loss --label-smoothing --monitor', () => {
  it('trains with them, records them, and graft resume continues with the same loss', async () => {
    const data = join(project(), 'data');
    const straight = join(project(), 'straight');
    const first = await run(
      'train',
      data,
      ...common,
      ...imbalanceFlags,
      ...['--epochs', '4', '--keep-best', '1', '--out', straight],
    );
    expect(first.code, first.stderr).toBe(exitCodes.success);
    expect(first.stdout).toMatch(/val balanced accuracy\s+\S+%/);
    expect(first.stdout).toMatch(/val macro-F1\s+\S+%/);
    const config = JSON.parse(await readFile(join(straight, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      loss: 'focal:gamma=2',
      classWeight: 'balanced',
      labelSmoothing: 0.1,
      monitor: 'val_macro_f1',
    });
    const report = JSON.parse(await readFile(join(straight, 'report.json'), 'utf8'));
    expect(report.validation.balancedAccuracy).toBeGreaterThanOrEqual(0);
    expect(report.validation.macroF1).toBeGreaterThanOrEqual(0);
    const history = await historyOf(straight);
    expect(history[0]).toHaveProperty('val_macro_f1');
    expect(history[0]).toHaveProperty('val_balanced_accuracy');
    const index = JSON.parse(
      await readFile(join(straight, 'checkpoints', 'checkpoints.json'), 'utf8'),
    );
    expect(index.monitor).toBe('val_macro_f1');
    expect(index.mode).toBe('max');

    // Two epochs, then resumed to four: the same losses as the straight run, which they could
    // not be if the resumed epochs trained plain cross-entropy.
    const halves = join(project(), 'halves');
    const half = await run(
      'train',
      data,
      ...common,
      ...imbalanceFlags,
      ...['--epochs', '2', '--keep-best', '1', '--out', halves],
    );
    expect(half.code, half.stderr).toBe(exitCodes.success);
    const resumed = await run('resume', halves, '--epochs', '4');
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    const continued = await historyOf(halves);
    expect(continued).toHaveLength(4);
    continued.forEach((logs, epoch) => {
      expect(logs.loss).toBeCloseTo(history[epoch]?.loss as number, 5);
    });
  });

  it('rejects unknown classes, losses and monitors, listing the valid ones', async () => {
    const data = join(project(), 'data');
    const out = join(project(), 'bad');
    const badClass = await run(
      'train',
      data,
      ...common,
      ...['--epochs', '1', '--class-weight', 'red=1,purple=3', '--out', out],
    );
    expect(badClass.code).toBe(exitCodes.usage);
    expect(badClass.stderr).toMatch(
      /--class-weight.*classes: blue, green, red|--class-weight.*classes: red, green, blue/s,
    );
    expect(badClass.stderr).toContain('purple');
    const badLoss = await run('train', data, ...common, '--loss', 'hinge', '--out', out);
    expect(badLoss.code).toBe(exitCodes.usage);
    expect(badLoss.stderr).toMatch(/--loss.*cross-entropy, focal/s);
    const badMonitor = await run('train', data, ...common, '--monitor', 'val_f1', '--out', out);
    expect(badMonitor.code).toBe(exitCodes.usage);
    expect(badMonitor.stderr).toMatch(
      /--monitor.*val_loss, val_accuracy, val_balanced_accuracy, val_macro_f1/s,
    );
    const badSmoothing = await run(
      'train',
      data,
      ...common,
      '--label-smoothing',
      '1',
      '--out',
      out,
    );
    expect(badSmoothing.code).toBe(exitCodes.usage);
    expect(badSmoothing.stderr).toMatch(/--label-smoothing.*\[0, 1\)/s);
    const badWeight = await run('train', data, ...common, '--class-weight', 'red=-1', '--out', out);
    expect(badWeight.code).toBe(exitCodes.usage);
    expect(badWeight.stderr).toMatch(/--class-weight.*balanced, or class=weight pairs/s);
  });
});

describe('graft data inspect: imbalance', () => {
  it('warns when the largest class has over 5× the images of the smallest, naming the options', async () => {
    const source = join(project(), 'data', 'train');
    const skewed = join(project(), 'skewed');
    for (const className of ['red', 'green', 'blue']) {
      await mkdir(join(skewed, className), { recursive: true });
      const names = (await readdir(join(source, className))).sort();
      const kept = className === 'green' ? names.slice(0, 2) : names;
      for (const name of kept)
        await cp(join(source, className, name), join(skewed, className, name));
    }
    const warned = await run('data', 'inspect', skewed);
    expect(warned.code, warned.stderr).toBe(exitCodes.success);
    expect(warned.stdout).toMatch(/warning .*\(12\) has 6\.0× the images of green \(2\)/);
    expect(warned.stdout).toContain('--class-weight balanced');
    const balanced = await run('data', 'inspect', join(project(), 'data'));
    expect(balanced.stdout).not.toContain('warning');
    await rm(skewed, { recursive: true, force: true });
  });
});
