import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { testBackboneName, testBackboneVariable } from '../testing/test-backbone.js';
import { writeColourImages } from '../testing/write-test-images.js';
import { requireBinary, runBinary } from './run-binary.js';

// Kills `graft train` (the built binary) at named moments with SIGKILL, resumes, and checks the
// run ends exactly as an uninterrupted one. The moments are exact, not timed: the binary kills
// itself where `GRAFT_TEST_CRASH_AT=<point>[:<n>]` says (@graft/trainer/node's crashPoint). A
// test-only 16×16 backbone (GRAFT_TEST_BACKBONE=1) keeps each run around a second.
let directory: string;
let data: string;
let env: Record<string, string>;
let reference: RunFiles;

/**
 * 12 epochs at most, early stopping (patience 2) and best-epoch keeping on: this run stops after
 * epoch 7 and keeps epoch 5.
 */
const trainArguments = (out: string) => [
  // Global. Results depend on the backend; `graft resume` reuses the one config.json records.
  '--backend',
  'cpu',
  'train',
  data,
  '--backbone',
  testBackboneName,
  '--weights',
  'none',
  '--epochs',
  '12',
  '--early-stop',
  '2',
  '--batch-size',
  '4',
  '--lr',
  '3',
  // In-thread extraction: worker threads would add a second of start-up to every run.
  '--extraction-workers',
  '1',
  '--out',
  out,
];

/** What must match: every model file, the report and the history (timings left out). */
interface RunFiles {
  model: Record<string, string>;
  report: unknown;
  history: unknown[];
  checkpoints: string[];
}

/** Wall-clock fields differ between any two runs; everything else must not. */
const timingKeys = new Set(['epoch_seconds', 'images_per_second', 'timeStamp']);
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !timingKeys.has(key))
        .map(([key, inner]) => [key, withoutTimings(inner)]),
    );
  }
  return value;
}

async function readRun(run: string): Promise<RunFiles> {
  const model: Record<string, string> = {};
  for (const name of (await readdir(join(run, 'model'))).sort()) {
    const bytes = await readFile(join(run, 'model', name));
    // metadata.json carries the save time; every other file is compared byte for byte.
    model[name] =
      name === 'metadata.json'
        ? JSON.stringify(withoutTimings(JSON.parse(bytes.toString('utf8'))))
        : bytes.toString('base64');
  }
  const history = (await readFile(join(run, 'logs', 'history.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => withoutTimings(JSON.parse(line)));
  const report = withoutTimings(
    JSON.parse(await readFile(join(run, 'report.json'), 'utf8')),
  ) as Record<string, unknown>;
  // How this process got its features (disk cache hits, or none when a resume only trains the
  // unfrozen stage) is a diagnostic like the timings, not a result: the reference run filled the
  // cache the later runs read. The features are the same bytes (the model files prove it).
  delete report.featureCache;
  return {
    model,
    report,
    history,
    checkpoints: (await readdir(join(run, 'checkpoints'))).sort(),
  };
}

/** `<case>/run`: every run has the same folder name, which the saved model's metadata records. */
function runFolder(name: string): string {
  return join(directory, name.replace(/[^\w]/g, '-'), 'run');
}

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-crash-'));
  data = join(directory, 'data');
  await writeColourImages(data, { train: 8, val: 4 });
  env = {
    [testBackboneVariable]: '1',
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
  const run = runFolder('reference');
  const result = await runBinary(trainArguments(run), { env });
  expect(result.code, result.stderr).toBe(exitCodes.success);
  reference = await readRun(run);
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('a killed graft train resumes into the same run', () => {
  it('the reference run stops early and keeps an earlier best epoch (the test is not vacuous)', () => {
    const report = reference.report as { bestEpoch: number; epochs: number; stopReason: string };
    expect(report.stopReason).toMatch(/early stopping/);
    expect(report.bestEpoch).toBeLessThan(report.epochs);
    expect(reference.history).toHaveLength(report.epochs);
  });

  // <point>:<n> is the n-th time the point is reached (epoch n for checkpoint points).
  const moments = [
    ['mid-epoch', 'batch-end:8'],
    ['while a checkpoint file is half written', 'checkpoint-partial-file:2'],
    ['after state.bin of a checkpoint', 'checkpoint-data-written:2'],
    ['after checkpoint.json of a checkpoint', 'checkpoint-manifest-written:2'],
    ['after the checkpoint folder is renamed, before latest moves', 'checkpoint-renamed:3'],
    ['after latest moves, before pruning', 'checkpoint-pointer-written:3'],
    ['after pruning', 'checkpoint-pruned:3'],
    ['after the best epoch, in the next checkpoint', 'checkpoint-data-written:6'],
    ['after the last checkpoint, before the final save', 'checkpoint-pruned:7'],
    ['during the final save, model written', 'final-model-written'],
    ['during the final save, model renamed, no report yet', 'final-model-renamed'],
  ] as const;
  for (const [moment, point] of moments) {
    it(`SIGKILL ${moment} (${point})`, async () => {
      const run = runFolder(point);
      const killed = await runBinary(trainArguments(run), {
        env: { ...env, GRAFT_TEST_CRASH_AT: point },
      });
      expect(killed.code, `${point} was never reached:\n${killed.stderr}`).toBeNull();
      // What a kill while history.jsonl is rewritten leaves (writeFileAtomic's temporary file).
      const stray = join(run, 'logs', '.history.jsonl.999.0badf00d.tmp');
      await writeFile(stray, '');
      const resumed = await runBinary(
        ['--backend', 'cpu', 'resume', run, '--extraction-workers', '1'],
        { env },
      );
      expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
      expect(resumed.stderr).toContain(`removed incomplete ${stray}`);
      expect(await readRun(run)).toEqual(reference);
      // Nothing temporary is left behind.
      const temporary = async (folder: string) =>
        (await readdir(join(run, folder))).filter((name) => name.endsWith('.tmp'));
      expect([
        ...(await temporary('.')),
        ...(await temporary('logs')),
        ...(await temporary('checkpoints')),
      ]).toEqual([]);
    });
  }

  it('fine-tuning: SIGKILL after the best epoch resumes into the same run (backbone weights kept)', async () => {
    const fineTune = (out: string) => {
      const arguments_ = trainArguments(out);
      arguments_[arguments_.indexOf('--lr') + 1] = '0.03';
      // BatchNorm training over whole batches of 4 (config.json carries both into the resume)
      // gives this early stop; ONNX Runtime's default would split each batch over its workers.
      return [
        ...arguments_,
        ...['--mode', 'fine-tune', '--batch-norm', 'train', '--micro-batch', '4'],
      ];
    };
    const straight = runFolder('fine-tune reference');
    expect((await runBinary(fineTune(straight), { env })).code).toBe(exitCodes.success);
    const expected = await readRun(straight);
    // This run stops after epoch 6 and keeps epoch 4.
    expect(expected.report).toMatchObject({ epochs: 6, bestEpoch: 4 });
    const run = runFolder('fine-tune killed');
    const killed = await runBinary(fineTune(run), {
      env: { ...env, GRAFT_TEST_CRASH_AT: 'checkpoint-data-written:5' },
    });
    expect(killed.code).toBeNull();
    // No --backend: wasm would be picked first and round differently from the run's cpu.
    const resumed = await runBinary(['resume', run, '--extraction-workers', '1'], { env });
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    expect(resumed.stderr).toContain('backend cpu, as the run was trained');
    expect(await readRun(run)).toEqual(expected);
  });

  it.each([
    ['in the head epochs', 2],
    ['at the end of the head epochs', 3],
    ['after unfreezing', 5],
  ])('staged unfreeze: SIGKILL %s resumes that stage into the same run', async (_moment, epoch) => {
    // 3 head epochs on cached features (Adam at --head-lr), then 3 from stage2 (SGD at --lr).
    const staged = (out: string) => {
      const arguments_ = trainArguments(out);
      arguments_[arguments_.indexOf('--lr') + 1] = '0.03';
      arguments_[arguments_.indexOf('--epochs') + 1] = '3';
      arguments_[arguments_.indexOf('--early-stop') + 1] = '0';
      return [
        ...arguments_,
        ...['--mode', 'fine-tune', '--freeze-epochs', '3', '--head-lr', '0.3'],
        ...['--unfreeze-from', 'stage2'],
      ];
    };
    const straight = runFolder('staged reference');
    if (!(await stat(join(straight, 'report.json')).catch(() => undefined))) {
      const result = await runBinary(staged(straight), { env });
      expect(result.code, result.stderr).toBe(exitCodes.success);
    }
    const expected = await readRun(straight);
    expect(expected.history).toHaveLength(6);
    const run = runFolder(`staged killed ${epoch}`);
    const killed = await runBinary(staged(run), {
      env: { ...env, GRAFT_TEST_CRASH_AT: `checkpoint-renamed:${epoch + 1}` },
    });
    expect(killed.code).toBeNull();
    const resumed = await runBinary(
      ['--backend', 'cpu', 'resume', run, '--extraction-workers', '1'],
      { env },
    );
    expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
    expect(resumed.stderr).toMatch(new RegExp(`after epoch ${epoch} of 6`));
    expect(await readRun(run)).toEqual(expected);
  });

  it.each([
    ['in the head epochs', 1],
    ['in the first unfrozen stage', 3],
    ['in the last stage', 5],
  ])(
    'gradual unfreeze: SIGKILL %s resumes that stage into the same run',
    async (_moment, epoch) => {
      // Head alone for 2 epochs, stage2 from epoch 3, the whole backbone from epoch 5.
      const gradual = (out: string) => {
        const arguments_ = trainArguments(out);
        arguments_[arguments_.indexOf('--lr') + 1] = '0.03';
        arguments_[arguments_.indexOf('--epochs') + 1] = '6';
        arguments_[arguments_.indexOf('--early-stop') + 1] = '0';
        return [
          ...arguments_,
          ...['--mode', 'fine-tune', '--unfreeze-stages', '2:stage2,4:all', '--head-lr', '0.3'],
        ];
      };
      const straight = runFolder('gradual reference');
      if (!(await stat(join(straight, 'report.json')).catch(() => undefined))) {
        const result = await runBinary(gradual(straight), { env });
        expect(result.code, result.stderr).toBe(exitCodes.success);
      }
      const expected = await readRun(straight);
      expect(expected.history).toHaveLength(6);
      const run = runFolder(`gradual killed ${epoch}`);
      const killed = await runBinary(gradual(run), {
        env: { ...env, GRAFT_TEST_CRASH_AT: `checkpoint-renamed:${epoch + 1}` },
      });
      expect(killed.code).toBeNull();
      const resumed = await runBinary(['resume', run, '--extraction-workers', '1'], { env });
      expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
      expect(resumed.stderr).toMatch(new RegExp(`after epoch ${epoch} of 6`));
      expect(await readRun(run)).toEqual(expected);
    },
  );

  it('resuming a finished run says so and changes nothing; --epochs extends a full run', async () => {
    const run = runFolder('finished');
    const arguments_ = trainArguments(run);
    arguments_[arguments_.indexOf('--early-stop') + 1] = '0';
    arguments_[arguments_.indexOf('--epochs') + 1] = '3';
    expect((await runBinary(arguments_, { env })).code).toBe(exitCodes.success);
    const before = await readRun(run);
    const modelTime = (await stat(join(run, 'model', 'weights.bin'))).mtimeMs;
    const again = await runBinary(
      ['--backend', 'cpu', 'resume', run, '--extraction-workers', '1'],
      { env },
    );
    expect(again.code).toBe(exitCodes.success);
    expect(again.stderr).toMatch(/finished: 3 epochs; nothing to do/);
    expect(await readRun(run)).toEqual(before);
    expect((await stat(join(run, 'model', 'weights.bin'))).mtimeMs).toBe(modelTime);
    const extended = await runBinary(
      ['--backend', 'cpu', 'resume', run, '--epochs', '5', '--extraction-workers', '1'],
      { env },
    );
    expect(extended.code, extended.stderr).toBe(exitCodes.success);
    const after = await readRun(run);
    expect(after.history).toHaveLength(5);
    expect((after.report as { epochs: number }).epochs).toBe(5);
  });

  for (const [name, signals] of [
    ['Ctrl-C twice', ['SIGINT', 'SIGINT']],
    ['SIGTERM', ['SIGTERM']],
  ] as const) {
    it(`${name} during training, then resume`, async () => {
      const run = runFolder(name);
      let sent = false;
      const interrupted = await runBinary(trainArguments(run), {
        env,
        onStderr: (text, child) => {
          if (!sent && /epoch 2\/12/.test(text)) {
            sent = true;
            for (const signal of signals) child.kill(signal);
          }
        },
      });
      expect(sent).toBe(true);
      expect(interrupted.code).toBe(exitCodes.interrupted);
      const resumed = await runBinary(
        ['--backend', 'cpu', 'resume', run, '--extraction-workers', '1'],
        { env },
      );
      expect(resumed.code, resumed.stderr).toBe(exitCodes.success);
      expect(await readRun(run)).toEqual(reference);
    });
  }
});
