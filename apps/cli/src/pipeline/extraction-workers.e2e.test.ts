import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runBinary } from '../e2e/run-binary.js';
import { exitCodes } from '../exit-codes.js';

// The built binary (dist/main.js loads dist/feature-worker.js in its workers) on ants/bees with
// MobileNetV2 0.35: 2 extraction workers must train the same model as extraction in one thread.
// A subset (30 train + 20 val images per class) keeps the two runs short.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
let directory: string;
let env: Record<string, string>;
let subset: string;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-workers-'));
  env = {
    GRAFT_MIRROR: join(shared, 'weights'),
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
  subset = join(directory, 'data');
  for (const [split, count] of [
    ['train', 30],
    ['val', 20],
  ] as const) {
    for (const className of ['ants', 'bees']) {
      const from = join(hymenoptera, split, className);
      const files = (await readdir(from)).filter((file) => file.endsWith('.jpg')).sort();
      await mkdir(join(subset, split, className), { recursive: true });
      for (const file of files.slice(0, count)) {
        await copyFile(join(from, file), join(subset, split, className, file));
      }
    }
  }
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

interface Summary {
  validation: { accuracy: number; loss: number };
  seconds: { extraction: number };
}

describe('graft train --extraction-workers (built binary)', () => {
  it('2 workers reach the same validation accuracy and loss as 1', async () => {
    const train = async (workers: number): Promise<Summary> => {
      const result = await runBinary(
        [
          '--json',
          'train',
          subset,
          '--backbone',
          'mobilenet_v2_0.35_224',
          '--epochs',
          '10',
          '--lr',
          '0.003',
          '--seed',
          '7',
          '--extraction-workers',
          String(workers),
          // The tfjs engine's worker threads are what is compared (auto would pick ONNX Runtime).
          '--engine',
          'tfjs',
          // The second run must compute its features, not read the first run's from the cache.
          '--no-cache',
          '--out',
          join(directory, `run-${workers}`),
        ],
        { env },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(exitCodes.success);
      return JSON.parse(result.stdout) as Summary;
    };
    const one = await train(1);
    const two = await train(2);
    console.log(
      `val accuracy ${one.validation.accuracy} (1 worker, features ${one.seconds.extraction.toFixed(1)} s) vs ${two.validation.accuracy} (2 workers, ${two.seconds.extraction.toFixed(1)} s)`,
    );
    expect(one.validation.accuracy).toBeGreaterThan(0.7);
    expect(two.validation.accuracy).toBe(one.validation.accuracy);
    expect(two.validation.loss).toBeCloseTo(one.validation.loss, 6);
  });

  it('rejects a bad worker count before loading anything', async () => {
    const result = await runBinary(
      ['train', hymenoptera, '--extraction-workers', '0', '--out', join(directory, 'bad')],
      { env },
    );
    expect(result.code).not.toBe(exitCodes.success);
    expect(result.stderr).toMatch(/--extraction-workers/);
  });
});
