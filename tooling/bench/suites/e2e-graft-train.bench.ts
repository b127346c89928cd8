// Workload 4: end-to-end `graft train` on ants/bees (the built CLI, its own process), the
// demo's recipe: MobileNetV2 1.0 ImageNet features computed once on wasm, linear softmax head,
// Adam 3e-3, 20 epochs. Wall time from spawn to exit (weights, decode, features, epochs,
// evaluation, saving) and the validation accuracy it reports. PyTorch counterpart
// (../pytorch/time_to_accuracy.py): the tutorial's fixed-feature-extractor recipe from the same
// Keras weights, timed from process start to its first epoch with val ≥ 0.93.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchRow } from '@graft/bench-kit';

const root = resolve(import.meta.dirname, '../../..');
const limitSeconds = Number(process.env.GRAFT_BENCH_SUITE_SECONDS ?? 180);
const sharedDir = process.env.GRAFT_SHARED_DIR ?? resolve(root, '../shared');

export default async function run(): Promise<BenchRow[]> {
  // Users run the built `graft` (its feature workers load built JavaScript, not TypeScript
  // compiled on the fly), so build it first — a no-op when turbo's cache is warm — and time that.
  const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@graft/cli...'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`building the CLI failed (exit ${build.status})`);
  const out = mkdtempSync(join(tmpdir(), 'graft-bench-e2e-'));
  const cache = mkdtempSync(join(tmpdir(), 'graft-bench-e2e-cache-'));
  try {
    const rssFile = join(out, 'max-rss-kib.txt');
    const started = process.hrtime.bigint();
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        join(import.meta.dirname, 'report-max-rss.mjs'),
        join(root, 'apps/cli/dist/main.js'),
        'train',
        join(sharedDir, 'data/hymenoptera'),
        '--backbone',
        'mobilenet_v2_1.0_224',
        '--mode',
        'feature-extraction',
        '--epochs',
        '20',
        '--lr',
        '0.003',
        '--backend',
        'wasm',
        '--out',
        out,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'inherit', 'inherit'],
        // Below the runner's per-file limit, so the CLI is not left running when that is hit.
        ...(limitSeconds > 10 ? { timeout: (limitSeconds - 10) * 1000 } : {}),
        killSignal: 'SIGKILL',
        env: {
          GRAFT_BENCH_MAX_RSS_FILE: rssFile,
          ...process.env,
          // The runner resolves @graft/* to TypeScript sources; the built CLI must load dist/.
          NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace('--conditions=@graft/source', ''),
          GRAFT_SHARED_DIR: sharedDir,
          // A cache of its own, empty: features are computed as PyTorch computes them (a re-run
          // on cached features decodes nothing), and the ONNX graph is converted, as on a first run.
          GRAFT_CACHE_DIR: cache,
          GRAFT_MIRROR: process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights'),
        },
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`graft train exited with ${child.status}`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      validation: { accuracy: number };
      history: Array<{ val_accuracy?: number }>;
    };
    const firstEpoch = report.history.findIndex((logs) => (logs.val_accuracy ?? 0) >= 0.93) + 1;
    console.log(`e2e | graft train ants/bees | ${seconds.toFixed(1)} s`);
    return [
      {
        suite: 'end-to-end (suites)',
        name: 'graft train ants/bees, MobileNetV2 1.0 features + linear head, 20 epochs',
        backend: 'wasm',
        value: seconds,
        unit: 's wall (lower is better)',
        medianSeconds: seconds,
        compare: 'e2e/ants-bees/val-0.93',
        runs: 1,
        loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)),
        peakRssMiB: Math.round(Number(readFileSync(rssFile, 'utf8').trim()) / 1024),
        notes: `empty GRAFT_CACHE_DIR (features computed, ONNX graph converted); val accuracy ${report.validation.accuracy.toFixed(4)} (reported); first epoch with val ≥ 0.93: ${firstEpoch || 'none'} (the time is for all 20 epochs, saving included)`,
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
}
