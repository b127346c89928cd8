import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { loadPlainModel } from '../testing/load-plain-model.js';
import { binary, requireBinary, runBinary } from './run-binary.js';

// The real binary, as a subprocess, on the real ants/bees set and MobileNetV2 weights from the
// shared mirror. MobileNetV2 0.35 keeps feature extraction of the 397 images short on wasm.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
const backbone = 'mobilenet_v2_0.35_224';
let directory: string;
let env: Record<string, string>;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-e2e-'));
  env = {
    GRAFT_MIRROR: join(shared, 'weights'),
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** A copy of `count` images per class and split: a small set for the slower scenarios. */
async function smallCopy(count: { train: number; val: number }): Promise<string> {
  const root = join(directory, `small-${count.train}-${count.val}`);
  for (const split of ['train', 'val'] as const) {
    for (const className of ['ants', 'bees']) {
      const from = join(hymenoptera, split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(root, split, className), { recursive: true });
      for (const name of files.slice(0, count[split])) {
        await copyFile(join(from, name), join(root, split, className, name));
      }
    }
  }
  return root;
}

async function valImages(className: string, count: number): Promise<string[]> {
  const folder = join(hymenoptera, 'val', className);
  return (await readdir(folder))
    .sort()
    .slice(0, count)
    .map((name) => join(folder, name));
}

describe('graft (built binary)', () => {
  const run = () => join(directory, 'run');
  let trainSummary: {
    validation: { accuracy: number };
    images: { train: number; validation: number };
  };

  it('train writes a run directory and reports validation accuracy', async () => {
    const result = await runBinary(
      [
        '--json',
        'train',
        hymenoptera,
        '--backbone',
        backbone,
        '--epochs',
        '12',
        '--lr',
        '0.003',
        '--out',
        run(),
      ],
      { env },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(exitCodes.success);
    trainSummary = JSON.parse(result.stdout);
    expect(trainSummary.images).toMatchObject({ train: 244, validation: 153 });
    // Reference linear probe for MobileNetV2 0.35 on this set: 0.902.
    expect(trainSummary.validation.accuracy).toBeGreaterThan(0.85);
    for (const file of [
      'config.json',
      'report.json',
      'model/metadata.json',
      'checkpoints/latest',
      'checkpoints/epoch-0012/checkpoint.json',
    ]) {
      expect((await stat(join(run(), file))).isFile(), file).toBe(true);
    }
    const history = (await readFile(join(run(), 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(history).toHaveLength(12);
    expect(JSON.parse(history[11] ?? '{}')).toMatchObject({ epoch: 12 });
  });

  it('predict gives a top-k table and JSON that classify held-out images', async () => {
    const ants = await valImages('ants', 4);
    const bees = await valImages('bees', 4);
    const result = await runBinary(['--json', 'predict', run(), ...ants, ...bees, '--top', '2'], {
      env,
    });
    expect(result.code).toBe(exitCodes.success);
    const predictions: { image: string; top: { className: string; probability: number }[] }[] =
      JSON.parse(result.stdout);
    expect(predictions).toHaveLength(8);
    for (const prediction of predictions) {
      expect(prediction.top).toHaveLength(2);
      expect(
        (prediction.top[0]?.probability ?? 0) + (prediction.top[1]?.probability ?? 0),
      ).toBeCloseTo(1, 5);
    }
    const correct = predictions.filter(
      (prediction, index) => prediction.top[0]?.className === (index < 4 ? 'ants' : 'bees'),
    ).length;
    expect(correct).toBeGreaterThanOrEqual(6);
    const table = await runBinary(['predict', run(), ants[0] ?? ''], { env });
    expect(table.stdout).toMatch(/image\s+rank\s+class\s+probability/);
  });

  it('export writes a Teachable Machine-style directory that tfjs loads', async () => {
    const out = join(directory, 'export');
    const result = await runBinary(['export', run(), '--out', out], { env });
    expect(result.code).toBe(exitCodes.success);
    const metadata = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({ labels: ['ants', 'bees'], imageSize: 224 });
    // Keras' x / 127.5 - 1 and the 0.875 centre crop: Teachable Machine's loader does neither.
    expect(metadata.graft.teachableMachine.reproducible).toBe(false);
    expect(metadata.graft.teachableMachine.differences).toHaveLength(2);
    expect(result.stdout).toMatch(/warning: Teachable Machine's loader .* will not feed/);
    expect(result.stdout).toMatch(/x \/ 127 - 1/);
    expect(result.stdout).toMatch(/centre 87\.5 %/);
    await tf.setBackend('cpu');
    const model = await loadPlainModel(out);
    const probabilities = tf.tidy(() => model.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor);
    expect(probabilities.shape).toEqual([1, 2]);
    expect(
      Array.from(await probabilities.data()).reduce((sum, value) => sum + value, 0),
    ).toBeCloseTo(1, 5);
    probabilities.dispose();
    model.dispose();
  });

  it('export --format onnx writes model.onnx + metadata.json that onnxruntime-node runs', async () => {
    const out = join(directory, 'export-onnx');
    const result = await runBinary(['export', run(), '--format', 'onnx', '--out', out], { env });
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect((await readdir(out)).sort()).toEqual(['metadata.json', 'model.onnx']);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const input = new ort.Tensor('float32', new Float32Array(2 * 224 * 224 * 3), [2, 224, 224, 3]);
    const output = (await session.run({ [session.inputNames[0] as string]: input }))[
      session.outputNames[0] as string
    ];
    await session.release();
    expect(output?.dims).toEqual([2, 2]);
    const [first, second] = Array.from(output?.data as Float32Array);
    expect((first as number) + (second as number)).toBeCloseTo(1, 5);
  });

  it('eval of the saved model on val reproduces the accuracy train reported', async () => {
    const result = await runBinary(['--json', 'eval', run(), hymenoptera], { env });
    expect(result.code).toBe(exitCodes.success);
    const report = JSON.parse(result.stdout);
    expect(report.count).toBe(153);
    expect(report.accuracy).toBeCloseTo(trainSummary.validation.accuracy, 6);
    expect(
      report.confusionMatrix.flat().reduce((sum: number, value: number) => sum + value, 0),
    ).toBe(153);
  });

  it('Ctrl-C stops with exit 130 after a checkpoint, and resume finishes the run', async () => {
    const data = await smallCopy({ train: 10, val: 5 });
    const interruptedRun = join(directory, 'interrupted');
    let sent = false;
    const result = await runBinary(
      ['train', data, '--backbone', backbone, '--epochs', '100000', '--out', interruptedRun],
      {
        env,
        onStderr: (text, child) => {
          // Interrupt once epochs are running (a checkpoint is written after each).
          if (!sent && /epoch 3\/100000/.test(text)) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      },
    );
    expect(sent).toBe(true);
    expect(result.code).toBe(exitCodes.interrupted);
    expect(result.stderr).toContain(`graft resume ${interruptedRun}`);
    const manifest = JSON.parse(
      await readFile(
        join(
          interruptedRun,
          'checkpoints',
          (await readFile(join(interruptedRun, 'checkpoints', 'latest'), 'utf8')).trim(),
          'checkpoint.json',
        ),
        'utf8',
      ),
    );
    expect(manifest.epoch).toBeGreaterThanOrEqual(3);
    const target = manifest.epoch + 2;
    const resumed = await runBinary(['resume', interruptedRun, '--epochs', String(target)], {
      env,
    });
    expect(resumed.code).toBe(exitCodes.success);
    const history = (await readFile(join(interruptedRun, 'logs', 'history.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(history.map((line) => JSON.parse(line).epoch)).toEqual(
      Array.from({ length: target }, (_, index) => index + 1),
    );
  });

  it('errors are one actionable line with a scriptable exit code, stacks only with --verbose', async () => {
    const unknown = await runBinary(['train', hymenoptera, '--backbone', 'mobilenet_v9'], { env });
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toMatch(/Valid backbone names: .*mobilenet_v2_0\.35_224/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runBinary(
      ['--verbose', 'train', hymenoptera, '--backbone', 'mobilenet_v9'],
      { env },
    );
    expect(verbose.stderr).toMatch(/\n\s+at /);

    const missing = await runBinary(
      ['train', join(directory, 'no-such-folder'), '--backbone', backbone],
      { env },
    );
    expect(missing.code).toBe(exitCodes.input);
    expect(missing.stderr).toContain('no-such-folder');

    const offline = await runBinary(['demo'], {
      env: {
        ...env,
        GRAFT_SHARED_DIR: join(directory, 'none'),
        GRAFT_MIRROR: '',
        GRAFT_DATA_DIR: '',
      },
    });
    expect(offline.code).toBe(exitCodes.input);
    expect(offline.stderr).toContain('https://download.pytorch.org/tutorial/hymenoptera_data.zip');
    expect(offline.stderr).toContain(join(directory, 'cache', 'data', 'hymenoptera_data.zip'));
  });

  it('shows a progress bar with ETA and images/s in a real terminal (tmux)', async () => {
    let tmux = true;
    try {
      execFileSync('tmux', ['-V']);
    } catch {
      tmux = false;
    }
    if (!tmux) {
      // CI installs tmux (.ci/run); a developer machine without it skips this one check.
      console.warn('tmux not found: terminal check skipped');
      return;
    }
    // 200 training images: with BatchNorm folded, 48 featurise in well under the polling
    // interval and the bar would only be seen finished (cleared).
    const data = await smallCopy({ train: 100, val: 4 });
    const session = `graft-e2e-${process.pid}`;
    const done = join(directory, 'tty-done');
    const command = [
      ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
      process.execPath,
      binary,
      'train',
      data,
      '--backbone',
      backbone,
      '--epochs',
      '2',
      // In-process tfjs extraction: one batch at a time, so the bar is redrawn after each (ONNX
      // Runtime featurises the 200 images faster than the screen is polled).
      '--extraction-workers',
      '1',
      '--engine',
      'tfjs',
      '--out',
      join(directory, 'tty-run'),
      `; echo "exit=$?" > ${done}; sleep 30`,
    ].join(' ');
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '40', command]);
    let screens = '';
    try {
      for (let attempt = 0; attempt < 600; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], {
          encoding: 'utf8',
        });
        if (/ETA/.test(screen) && !screens.includes(screen)) screens += screen;
        const finished = await readFile(done, 'utf8').catch(() => '');
        if (finished) {
          screens += execFileSync('tmux', ['capture-pane', '-p', '-t', session], {
            encoding: 'utf8',
          });
          expect(finished.trim()).toBe('exit=0');
          break;
        }
      }
    } finally {
      execFileSync('tmux', ['kill-session', '-t', session]);
    }
    // A redrawn bar (cli-progress), not the plain lines written to pipes.
    expect(screens).toMatch(
      /features pass 1 \[[█░]+\] \d+% \| \d+\/200 img \| [\d.-]+ img\/s \| ETA/,
    );
    expect(screens).toContain('val accuracy');
  });
});
