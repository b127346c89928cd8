import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { requireBinary, runBinary } from './run-binary.js';

// `graft train --folds k` through the built binary on the test-only 16×16 backbone: 3 classes,
// 6 images each (4 in train/, 2 in val/, all cross-validated).
const project = useTinyProject({ name: 'folds', images: { train: 4, val: 2 } });

const train = (out: string, ...extra: string[]) => [
  // The binary's backend for every run here (graft resume reuses what config.json records).
  ...['--backend', 'cpu', 'train', join(project(), 'data')],
  ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '2', '--batch-size', '4'],
  ...['--seed', '7', '--extraction-workers', '1', '--out', join(project(), out), ...extra],
];

type Manifest = { splits: Record<string, Array<{ path: string; label: number }>> };
type Summary = {
  folds: number;
  frozenFeatures: { computed: number; reused: number };
  metrics: Record<string, { mean: number; std: number; values: Array<number | null> }>;
};
type Report = { validation: { accuracy: number; loss: number; count: number } };

const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

beforeAll(() => requireBinary());

describe('graft train --folds', () => {
  it('trains one run per fold on stratified folds and summarises them', async () => {
    const result = await runBinary([...train('cv', '--folds', '3'), '--json']);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const out = join(project(), 'cv');
    const summary = JSON.parse(result.stdout) as Summary;
    // stdout is cv-summary.json and where it is.
    const file = join(out, 'cv-summary.json');
    expect(summary).toEqual({ ...(await readJson<Summary>(file)), file });
    expect(summary.folds).toBe(3);

    // The partition: 3 disjoint folds of 6 files, 2 of each class, covering all 18 images.
    const partition = await readJson<Manifest>(join(out, 'split-manifest.json'));
    expect(Object.keys(partition.splits)).toEqual(['fold-1', 'fold-2', 'fold-3']);
    const held = Object.values(partition.splits);
    expect(new Set(held.flat().map((entry) => entry.path)).size).toBe(18);
    for (const fold of held) {
      expect(
        [0, 1, 2].map((label) => fold.filter((entry) => entry.label === label).length),
      ).toEqual([2, 2, 2]);
    }

    // Each fold is an ordinary run held out on its fold; the summary is their mean and std.
    const accuracies: number[] = [];
    for (const [index, name] of ['fold-1', 'fold-2', 'fold-3'].entries()) {
      const run = join(out, name);
      expect(await exists(join(run, 'model', 'model.json'))).toBe(true);
      const manifest = await readJson<Manifest>(join(run, 'split-manifest.json'));
      expect(manifest.splits.validation).toEqual(held[index]);
      expect(manifest.splits.train).toHaveLength(12);
      const report = await readJson<Report>(join(run, 'report.json'));
      expect(report.validation.count).toBe(6);
      accuracies.push(report.validation.accuracy);
    }
    const accuracy = summary.metrics['validation.accuracy'];
    expect(accuracy?.values).toEqual(accuracies);
    const mean = accuracies.reduce((sum, value) => sum + value, 0) / 3;
    expect(accuracy?.mean).toBeCloseTo(mean, 10);
    const std = Math.sqrt(accuracies.reduce((sum, value) => sum + (value - mean) ** 2, 0) / 2);
    expect(accuracy?.std).toBeCloseTo(std, 10);
    for (const name of ['validation.loss', 'validation.macroF1', 'validation.perClass.red.f1']) {
      expect(summary.metrics[name]?.values, name).toHaveLength(3);
    }
    // Fold 1 featurises all 18 images; folds 2 and 3 find every one of them in the store, and
    // each fold's calibration reads its 6 held-out images' features from it too (3 × 6).
    expect(summary.frozenFeatures).toEqual({ computed: 18, reused: 36 + 18 });
  });

  it('fine-tunes each fold on pixels with --mode fine-tune', async () => {
    const result = await runBinary([
      ...train('fine-tune', '--folds', '2', '--mode', 'fine-tune', '--epochs', '1'),
      '--training-workers',
      '1',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary.metrics['validation.accuracy']?.values).toHaveLength(2);
    // Pixels, not frozen features: nothing goes through the shared store.
    expect(summary.frozenFeatures.computed).toBe(0);
    for (const name of ['fold-1', 'fold-2']) {
      const config = await readJson<{ mode: string }>(
        join(project(), 'fine-tune', name, 'config.json'),
      );
      expect(config.mode).toBe('fine-tune');
    }
  });

  it("holds out --split's test share and evaluates every fold on it", async () => {
    // data/train alone is a flat folder (4 images per class): a quarter of each class is the
    // test set, the other 3 images per class are dealt into the folds.
    const result = await runBinary(
      train('held-out', '--folds', '3', '--split', '0.5,0.25,0.25', '--epochs', '1', '--json').map(
        (argument) =>
          argument === join(project(), 'data') ? join(project(), 'data', 'train') : argument,
      ),
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
    const out = join(project(), 'held-out');
    const partition = await readJson<Manifest>(join(out, 'split-manifest.json'));
    expect(Object.keys(partition.splits)).toEqual(['fold-1', 'fold-2', 'fold-3', 'test']);
    expect(partition.splits.test).toHaveLength(3);
    const summary = JSON.parse(result.stdout) as Summary;
    expect(summary.metrics['test.accuracy']?.values).toHaveLength(3);
    for (const name of ['fold-1', 'fold-2', 'fold-3']) {
      const report = await readJson<{ test: { count: number } }>(join(out, name, 'report.json'));
      expect(report.test.count).toBe(3);
    }
  });

  it('names --folds, the value and the valid range for a bad number of folds', async () => {
    const one = await runBinary(train('one', '--folds', '1'));
    expect(one.code).toBe(exitCodes.usage);
    expect(one.stderr).toMatch(/--folds.*integer ≥ 2/);
    const many = await runBinary(train('many', '--folds', '7'));
    expect(many.code).toBe(exitCodes.usage);
    expect(many.stderr).toMatch(/--folds.*from 2 to 6.*Received: --folds=7/);
    expect(await exists(join(project(), 'many'))).toBe(false);
  });

  it('continues a killed cross-validation with graft resume, ending as an uninterrupted one', async () => {
    const out = join(project(), 'killed');
    // Killed in fold 2's final save, after its model is in place and before its report.
    const killed = await runBinary(train('killed', '--folds', '3'), {
      env: { GRAFT_TEST_CRASH_AT: 'final-model-renamed:2' },
    });
    expect(killed.code, killed.stderr).toBeNull();
    expect(await exists(join(out, 'fold-1', 'report.json'))).toBe(true);
    expect(await exists(join(out, 'fold-2', 'report.json'))).toBe(false);
    expect(await exists(join(out, 'cv-summary.json'))).toBe(false);

    const longer = await runBinary(['resume', out, '--epochs', '4']);
    expect(longer.code).toBe(exitCodes.usage);
    expect(longer.stderr).toMatch(/--epochs.*--folds run/);

    const resumed = await runBinary(['resume', out]);
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    expect(resumed.stderr).toContain('fold 1 of 3: finished, kept');
    const summary = await readJson<Summary>(join(out, 'cv-summary.json'));
    const straight = await readJson<Summary>(join(project(), 'cv', 'cv-summary.json'));
    expect(summary.metrics).toEqual(straight.metrics);
  });
});
