import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import {
  type MultiLabelFixture,
  writeMultiLabelImages,
} from '../testing/write-multi-label-images.js';
import { requireBinary, runBinary } from './run-binary.js';

// The built binary on a multi-label CSV made from the shared ants/bees photos: train (feature
// extraction workers included), predict and export (tfjs and ONNX) keep the sigmoid's meaning.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
let directory = '';
let fixture: MultiLabelFixture;
let env: Record<string, string>;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-multi-label-'));
  fixture = await writeMultiLabelImages({
    directory,
    hymenoptera: join(shared, 'data', 'hymenoptera'),
    count: 12,
  });
  env = {
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
    [testBackboneVariable]: '1',
  };
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft train --head multi-label (built binary)', () => {
  it('trains on a CSV, predicts every label over the threshold and exports a sigmoid model', async () => {
    const out = join(directory, 'run');
    const trained = await runBinary(
      [
        '--json',
        'train',
        fixture.csv,
        ...['--head', 'multi-label', '--backbone', testBackboneName, '--weights', 'none'],
        ...['--epochs', '40', '--lr', '0.3', '--batch-size', '8', '--split', '0.7,0.3'],
        ...['--label-delimiter', ' ', '--threshold', '0.45', '--out', out],
      ],
      { env },
    );
    expect(trained.code, trained.stderr).toBe(exitCodes.success);
    const summary = JSON.parse(trained.stdout);
    expect(summary.classes).toEqual(fixture.labels);
    const validation = summary.validation.multiLabel;
    expect(validation.perLabel.map((entry: { className: string }) => entry.className)).toEqual(
      fixture.labels,
    );
    // `dark` is learnable by the tiny backbone: its F1 beats always answering yes, 2p/(1+p).
    const dark = validation.perLabel.find(
      (entry: { className: string }) => entry.className === 'dark',
    );
    const share = dark.support / summary.images.validation;
    expect(dark.f1).toBeGreaterThan((2 * share) / (1 + share));

    const image = join(directory, fixture.rows[3]?.image as string);
    const predicted = await runBinary(['--json', 'predict', out, image], { env });
    expect(predicted.code, predicted.stderr).toBe(exitCodes.success);
    const [prediction] = JSON.parse(predicted.stdout);
    for (const entry of prediction.top) expect(entry.probability).toBeGreaterThanOrEqual(0.45);

    for (const format of ['tfjs', 'onnx']) {
      const target = join(directory, `export-${format}`);
      const exported = await runBinary(['export', out, '--format', format, '--out', target], {
        env,
      });
      expect(exported.code, exported.stderr).toBe(exitCodes.success);
      const metadata = JSON.parse(await readFile(join(target, 'metadata.json'), 'utf8'));
      expect(metadata.graft).toMatchObject({ activation: 'sigmoid', threshold: 0.45 });
    }
  });
});
