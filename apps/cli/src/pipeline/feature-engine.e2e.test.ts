import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, runBinary } from '../e2e/run-binary.js';
import { exitCodes } from '../exit-codes.js';

// The built binary on a small ants/bees subset (12 train + 8 val images per class) with
// MobileNetV2 0.35: --engine onnx and auto extract through ONNX Runtime (the graph converted
// once, then reused from GRAFT_CACHE_DIR), and train the head as tfjs features do.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const hymenoptera = join(shared, 'data', 'hymenoptera');
const backbone = 'mobilenet_v2_0.35_224';
let directory: string;
let env: Record<string, string>;
let subset: string;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-engine-'));
  env = {
    GRAFT_MIRROR: join(shared, 'weights'),
    GRAFT_SHARED_DIR: shared,
    GRAFT_OFFLINE: '1',
    GRAFT_CACHE_DIR: join(directory, 'cache'),
  };
  subset = join(directory, 'data');
  for (const [split, count] of [
    ['train', 12],
    ['val', 8],
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
}

const train = (engine: string, out: string, extra: string[] = []) =>
  runBinary(
    [
      'train',
      subset,
      '--backbone',
      backbone,
      '--epochs',
      '5',
      '--seed',
      '3',
      '--engine',
      engine,
      '--out',
      join(directory, out),
      ...extra,
    ],
    { env },
  );

describe('graft train --engine (built binary)', () => {
  it('onnx converts the graph once, auto reuses it, and both train as tfjs does', async () => {
    const onnx = await train('onnx', 'run-onnx');
    expect(onnx.code).toBe(exitCodes.success);
    expect(onnx.stderr).toMatch(
      /feature engine: onnxruntime \(onnxruntime-node 1\.\d+\.\d+, cpu provider, \d+ threads?, no spinning, in a worker thread; graph converted into .*\.onnx\) — --engine onnx: onnxruntime-node .* loads and mobilenet_v2_0\.35_224.* converts to ONNX/,
    );
    expect(onnx.stderr).not.toMatch(/feature-extraction workers/);
    expect(await readdir(join(directory, 'cache', 'onnx'))).toHaveLength(1);

    const auto = await train('auto', 'run-auto', ['--json']);
    expect(auto.code).toBe(exitCodes.success);
    // --json hides information: check the run through its summary, the engine through --verbose.
    const autoSummary = JSON.parse(auto.stdout) as Summary;
    const verbose = await train('auto', 'run-auto-verbose', ['--verbose']);
    expect(verbose.stderr).toMatch(
      /feature engine: onnxruntime .*graph reused from .*— --engine auto: onnxruntime-node/,
    );
    expect(await readdir(join(directory, 'cache', 'onnx'))).toHaveLength(1);

    const tfjs = await train('tfjs', 'run-tfjs', ['--json']);
    expect(tfjs.code).toBe(exitCodes.success);
    const tfjsSummary = JSON.parse(tfjs.stdout) as Summary;
    // Features agree within 1e-4: the same head, to the loss's last digits.
    expect(autoSummary.validation.accuracy).toBe(tfjsSummary.validation.accuracy);
    expect(autoSummary.validation.loss).toBeCloseTo(tfjsSummary.validation.loss, 3);
    const tfjsVerbose = await train('tfjs', 'run-tfjs-verbose', ['--extraction-workers', '1']);
    expect(tfjsVerbose.stderr).toMatch(/feature engine: tfjs — --engine tfjs: asked for/);
  }, 600_000);

  it('onnx while fine-tuning runs the steps on ONNX Runtime; a bad value names the choices', async () => {
    const fineTune = await train('onnx', 'run-fine-tune', ['--mode', 'fine-tune', '--epochs', '1']);
    expect(fineTune.code, fineTune.stderr).toBe(exitCodes.success);
    expect(fineTune.stderr).toMatch(/fine-tuning engine: onnxruntime \(onnxruntime-node/);
    expect(fineTune.stderr).not.toMatch(/feature engine: onnxruntime/);
    const bad = await train('gpu', 'run-bad');
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toMatch(/--engine.*auto, tfjs, onnx.*gpu|--engine.*gpu.*auto, tfjs, onnx/);
  }, 300_000);
});

describe('graft doctor (built binary)', () => {
  it('reports whether onnxruntime-node loads and what auto picks for the default backbone', async () => {
    const text = await runBinary(['doctor'], { env });
    expect(text.code).toBe(exitCodes.success);
    expect(text.stdout).toMatch(/feature engine \(--engine auto\)/);
    expect(text.stdout).toMatch(
      /onnxruntime-node 1\.\d+\.\d+ loads; execution providers: cpu(, [^\n]+)?\n/,
    );
    expect(text.stdout).toMatch(
      /auto picks onnxruntime for mobilenet_v2_1\.0_224 frozen extraction: onnxruntime-node/,
    );
    const json = await runBinary(['--json', 'doctor'], { env });
    expect(JSON.parse(json.stdout).engine).toMatchObject({
      onnxRuntime: { loaded: true },
      auto: { backbone: 'mobilenet_v2_1.0_224', engine: 'onnxruntime' },
    });
  }, 120_000);
});
