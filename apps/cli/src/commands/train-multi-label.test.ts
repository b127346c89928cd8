import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import {
  type MultiLabelFixture,
  writeMultiLabelImages,
} from '../testing/write-multi-label-images.js';

// Real photos (shared ants/bees) labelled species + `red` + `dark`, made at test time; the
// tiny random 16×16 backbone tells dark images apart (F1 ~0.97), so the task is learnable.
const project = useTinyProject({ name: 'multi-label', images: { train: 4, val: 2 } });
const hymenoptera = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');
let directory = '';
let fixture: MultiLabelFixture;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-multi-label-data-'));
  fixture = await writeMultiLabelImages({ directory, hymenoptera, count: 16 });
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

const tiny = [
  ...['--backbone', testBackboneName, '--weights', 'none', '--extraction-workers', '1'],
  ...['--batch-size', '8', '--seed', '3'],
];

interface MultiLabelReport {
  count: number;
  accuracy: number;
  perClass: { className: string; f1: number; support: number }[];
  multiLabel: {
    threshold: number;
    exactMatch: number;
    hammingAccuracy: number;
    microF1: number;
    macroF1: number;
    perLabel: {
      className: string;
      precision: number;
      recall: number;
      f1: number;
      support: number;
    }[];
  };
}

/** Hamming accuracy of always answering each label's majority value on `rows`: the chance line. */
function majorityHamming(rows: readonly { labels: string[] }[], labels: readonly string[]): number {
  const agree = labels.map((label) => {
    const positive = rows.filter((row) => row.labels.includes(label)).length;
    return Math.max(positive, rows.length - positive);
  });
  return agree.reduce((sum, value) => sum + value, 0) / (rows.length * labels.length);
}

describe('graft train --head multi-label', () => {
  it('trains on a CSV, then eval, predict and export treat the model as multi-label', async () => {
    const out = join(project(), 'csv-run');
    const trained = await run(
      '--json',
      'train',
      fixture.csv,
      '--head',
      'multi-label',
      ...tiny,
      ...['--epochs', '60', '--lr', '0.3', '--split', '0.625,0.375', '--threshold', '0.4'],
      ...['--out', out],
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(trained.stdout);
    expect(summary.classes).toEqual(fixture.labels);
    expect(summary.images).toEqual({ train: 20, validation: 12, test: 0 });
    expect(summary.validation.multiLabel.threshold).toBe(0.4);

    // Every epoch logs the multi-label validation metrics (early stopping and plots can use them).
    const history = (await readFile(join(out, 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, number>);
    expect(history).toHaveLength(60);
    for (const key of ['val_hamming_accuracy', 'val_micro_f1', 'val_macro_f1']) {
      expect(typeof history[59]?.[key], key).toBe('number');
    }
    // Curves, but no (single-label) confusion matrix.
    expect((await readdir(join(out, 'plots'))).sort()).toEqual([
      'accuracy.svg',
      'learning-rate.svg',
      'loss.svg',
    ]);
    const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8'));
    expect(metadata.labels).toEqual(fixture.labels);
    expect(metadata.graft.activation).toBe('sigmoid');
    expect(metadata.graft.threshold).toBe(0.4);

    // eval on the whole CSV (32 images): above the chance line, learnable labels learnt.
    const evaluated = await run('--json', 'eval', out, fixture.csv);
    expect(evaluated.code, evaluated.stderr).toBe(exitCodes.success);
    const report = JSON.parse(evaluated.stdout) as MultiLabelReport;
    expect(report.count).toBe(32);
    expect(report.multiLabel.threshold).toBe(0.4);
    expect(report.accuracy).toBe(report.multiLabel.exactMatch);
    expect(report.multiLabel.hammingAccuracy).toBeGreaterThan(
      majorityHamming(fixture.rows, fixture.labels),
    );
    const f1 = Object.fromEntries(
      report.multiLabel.perLabel.map((entry) => [entry.className, entry.f1]),
    );
    // Always answering "yes" for a label present on half the images scores F1 2/3.
    const alwaysYes = (label: string) => {
      const share =
        fixture.rows.filter((row) => row.labels.includes(label)).length / fixture.rows.length;
      return (2 * share) / (1 + share);
    };
    expect(f1.dark).toBeGreaterThan(alwaysYes('dark'));
    expect(report.multiLabel.perLabel.map((entry) => entry.support)).toEqual([16, 16, 16, 16]);

    const text = await run('eval', out, fixture.csv, '--threshold', '0.5');
    expect(text.code, text.stderr).toBe(exitCodes.success);
    expect(text.stdout).toMatch(
      /32 images, 4 labels, threshold 0\.5: exact match [\d.]+%, Hamming accuracy [\d.]+%, micro F1 [\d.]+, macro F1 [\d.]+/,
    );
    expect(text.stdout).toMatch(/label +precision +recall +f1 +support/);

    // predict: every label over the threshold, whatever --top says.
    const images = fixture.rows.slice(0, 6).map((row) => join(directory, row.image));
    const predict = async (threshold: string) => {
      const result = await run('--json', 'predict', out, ...images, '--threshold', threshold);
      expect(result.code, result.stderr).toBe(exitCodes.success);
      return JSON.parse(result.stdout) as {
        image: string;
        top: { className: string; probability: number }[];
      }[];
    };
    const everything = await predict('0.000001');
    const over = await predict('0.5');
    everything.forEach((prediction, index) => {
      expect(prediction.top.length).toBe(4);
      expect(over[index]?.top).toEqual(prediction.top.filter((entry) => entry.probability >= 0.5));
    });
    const table = await run('predict', out, images[0] as string);
    expect(table.code, table.stderr).toBe(exitCodes.success);
    expect(table.stdout).toMatch(/image +rank +class +probability/);

    // export keeps activation and threshold, so consumers apply the sigmoid's meaning.
    const exported = join(project(), 'csv-export');
    const exporting = await run('export', out, '--out', exported);
    expect(exporting.code, exporting.stderr).toBe(exitCodes.success);
    const exportedMetadata = JSON.parse(await readFile(join(exported, 'metadata.json'), 'utf8'));
    expect(exportedMetadata.graft).toMatchObject({ activation: 'sigmoid', threshold: 0.4 });
  });

  it('reads class folders where an image in several folders has every label', async () => {
    const out = join(project(), 'folder-run');
    const trained = await run(
      '--json',
      'train',
      fixture.folder,
      '--head',
      'multi-label',
      ...tiny,
      ...['--epochs', '2', '--split', '0.75,0.25', '--out', out],
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(trained.stdout);
    expect(summary.classes).toEqual(fixture.labels);
    // 32 distinct images, though the folders hold one file per (image, label).
    expect(summary.images.train + summary.images.validation).toBe(32);
    const several = fixture.rows.filter((row) => row.labels.length > 1).length;
    expect(summary.data).toContain(`multi-label class folders (${several} images in several)`);
  });

  it('refuses a multi-label CSV with a softmax head and --head multi-label on single-label data', async () => {
    const softmax = await run('train', fixture.csv, ...tiny, '--out', join(project(), 'refused'));
    expect(softmax.code).toBe(exitCodes.usage);
    expect(softmax.stderr).toMatch(
      /--head.*must be multi-label for multi-label data.*pass --head multi-label/,
    );

    const labels = await run(
      'train',
      directory,
      '--labels',
      fixture.csv,
      '--head',
      'linear',
      ...tiny,
      '--out',
      join(project(), 'refused'),
    );
    expect(labels.code).toBe(exitCodes.usage);
    expect(labels.stderr).toMatch(/--labels .*labels\.csv/);

    const single = await run(
      'train',
      join(project(), 'data', 'train'),
      '--head',
      'multi-label',
      ...tiny,
      '--out',
      join(project(), 'refused'),
    );
    expect(single.code).toBe(exitCodes.usage);
    // Refused in the pre-flight check: no run directory is left behind.
    await expect(readdir(join(project(), 'refused'))).rejects.toThrow(/ENOENT/);
    expect(single.stderr).toMatch(
      /--head multi-label needs multi-label data.*single-label.*--head linear.*--labels <csv>/,
    );
  });
});
