import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runBinary } from '../e2e/run-binary.js';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';

// The built binary (dist/main.js starts dist/node/training-worker-thread.js of @graft/trainer,
// which loads dist/feature-worker.js) fine-tuning the tiny test backbone on a few ants/bees
// images: 2 training workers must train the same model as one thread.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
let directory: string;
let env: Record<string, string>;
let subset: string;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-training-workers-'));
  env = {
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
    [testBackboneVariable]: '1',
  };
  subset = join(directory, 'data');
  for (const [split, count] of [
    ['train', 12],
    ['val', 6],
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

interface Report {
  validation: { accuracy: number; loss: number };
  history: Array<{ loss: number }>;
}

describe('graft train --mode fine-tune --training-workers (built binary)', () => {
  it('2 workers train the same model as this thread', async () => {
    const train = async (
      workers: number,
      engine = 'tfjs',
      extra: string[] = [],
    ): Promise<{ report: Report; output: string }> => {
      const out = join(directory, `run-${workers}-${engine}${extra.join('')}`);
      const result = await runBinary(
        [
          'train',
          subset,
          '--backbone',
          testBackboneName,
          '--weights',
          'none',
          '--mode',
          'fine-tune',
          '--epochs',
          '2',
          '--batch-size',
          '8',
          '--seed',
          '7',
          '--training-workers',
          String(workers),
          '--engine',
          engine,
          '--out',
          out,
          ...extra,
        ],
        { env },
      );
      expect(result.code, result.stderr).toBe(exitCodes.success);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
      return { report, output: result.stdout + result.stderr };
    };
    const one = await train(1);
    const two = await train(2);
    expect(two.output).toMatch(/starting 2 training workers/);
    expect(one.output).not.toMatch(/training workers/);
    expect(two.report.validation.accuracy).toBe(one.report.validation.accuracy);
    expect(two.report.validation.loss).toBeCloseTo(one.report.validation.loss, 5);
    for (const [epoch, logs] of one.report.history.entries()) {
      expect(two.report.history[epoch]?.loss).toBeCloseTo(logs.loss, 5);
    }
    // The default engine (auto) takes the steps to ONNX Runtime, one micro-batch per worker (4 on
    // 2 cores): the model tfjs trains with micro-batches of that size, to rounding (each step's gradients agree to
    // ~1e-6; two epochs of SGD let the difference grow a little).
    const onnx = await train(2, 'auto');
    expect(onnx.output).toMatch(/fine-tuning engine: onnxruntime/);
    expect(onnx.output).not.toMatch(/starting 2 training workers/);
    const micro = /micro-batch (\d+) of 8: one per ONNX Runtime worker \(\d+, in parallel/.exec(
      onnx.output,
    )?.[1];
    expect(micro).toBeDefined();
    const tfjsSame = await train(1, 'tfjs', ['--micro-batch', micro as string]);
    for (const [epoch, logs] of tfjsSame.report.history.entries()) {
      expect(onnx.report.history[epoch]?.loss).toBeCloseTo(logs.loss, 2);
    }
  });
});
