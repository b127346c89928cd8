// `pnpm bench`: runs every package's bench/*.bench.ts and tooling/bench/suites/*.bench.ts (through
// tsx, each in its own process), then the same workloads in PyTorch when Debian's python3-torch is
// importable, and writes bench-results/results.json and bench-results/results.md.
// `pnpm bench <filter>` runs matching files (and their PyTorch workloads).
// Environment: GRAFT_BENCH_SUITE_SECONDS (per-file time limit, default 180, 0 = none; rows
// measured before the limit are kept), GRAFT_BENCH_SKIP_CPU (default 1: the pure-JS cpu backend
// takes minutes per training step; 0 includes it where a suite honours it), GRAFT_BENCH_PYTORCH=0,
// GRAFT_BENCH_ONNXRUNTIME=0 (skip the onnxruntime-node column of the forward rows).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machine } from './index.js';
import { runOnnxruntime } from './onnxruntime/side.mjs';

const root = resolve(import.meta.dirname, '../..');
// Comma-separated: a file runs when its `<group>/<file>` contains any of them.
const filters = (process.argv[2] ?? '').split(',').filter((part) => part !== '');
const files = [];
const benchDirectories = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    benchDirectories.push({ name, directory: join(root, group, name, 'bench') });
  }
}
benchDirectories.push({ name: 'suites', directory: join(import.meta.dirname, 'suites') });
for (const { name, directory } of benchDirectories) {
  if (!existsSync(directory)) continue;
  for (const file of readdirSync(directory)) {
    if (
      file.endsWith('.bench.ts') &&
      (filters.length === 0 || filters.some((part) => `${name}/${file}`.includes(part)))
    )
      files.push(join(directory, file));
  }
}
const output = join(root, 'bench-results');
mkdirSync(output, { recursive: true });
const startMachine = machine();
const started = Date.now();
const suiteSeconds = Number(process.env.GRAFT_BENCH_SUITE_SECONDS ?? 180);
const rows = [];
const failures = [];
for (const file of files) {
  const relative = file.slice(root.length + 1);
  console.log(`== ${relative}`);
  const rowsFile = join(output, `.rows-${files.indexOf(file)}.json`);
  const rowsLog = join(output, `.rows-${files.indexOf(file)}.jsonl`);
  rmSync(rowsFile, { force: true });
  rmSync(rowsLog, { force: true });
  const fileStarted = Date.now();
  try {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'run-one.mjs'), file, rowsFile],
      {
        stdio: 'inherit',
        cwd: root,
        timeout: suiteSeconds > 0 ? suiteSeconds * 1000 : undefined,
        killSignal: 'SIGKILL',
        env: {
          GRAFT_BENCH_SKIP_CPU: '1',
          ...process.env,
          GRAFT_BENCH_ROWS_LOG: rowsLog,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=@graft/source`,
        },
      },
    );
    rows.push(...JSON.parse(readFileSync(rowsFile, 'utf8')));
  } catch (error) {
    // One broken or slow suite must not hide the others' figures: keep the rows it measured
    // before failing, and list it under the table.
    const partial = existsSync(rowsLog)
      ? readFileSync(rowsLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line))
      : [];
    rows.push(...partial);
    const timedOut = error?.signal === 'SIGKILL' && Date.now() - fileStarted >= suiteSeconds * 1000;
    const reason = timedOut
      ? `stopped after the ${suiteSeconds} s limit (GRAFT_BENCH_SUITE_SECONDS)`
      : error instanceof Error
        ? error.message.split('\n')[0]
        : String(error);
    failures.push(`${relative}: ${reason}; ${partial.length} row(s) measured before kept`);
  }
  console.log(`== ${relative}: ${((Date.now() - fileStarted) / 1000).toFixed(0)} s`);
}

// PyTorch runs only the workloads that Graft measured in this invocation (same keys, same shapes).
const pytorch = runPyTorch(rows.map((row) => row.compare).filter(Boolean));
const byKey = new Map((pytorch.rows ?? []).map((row) => [row.compare, row]));
// onnxruntime-node runs the forward workloads Graft measured (same architectures and shapes); its
// rows with the PyTorch side's thread count (the first of each key) fill the onnxruntime column.
const onnxruntime = runOnnxruntime({
  keys: rows.map((row) => row.compare).filter(Boolean),
  output,
  timeoutSeconds: suiteSeconds,
});
const onnxruntimeRows = onnxruntime.rows ?? [];
const onnxruntimeByKey = new Map();
for (const row of onnxruntimeRows)
  if (!onnxruntimeByKey.has(row.compare)) onnxruntimeByKey.set(row.compare, row);
failures.push(...(onnxruntime.failures ?? []).map((line) => `onnxruntime-node ${line}`));

const endMachine = machine();
const result = {
  machine: { ...startMachine, loadAverageAtEnd: endMachine.loadAverage },
  seconds: Math.round((Date.now() - started) / 1000),
  pytorch: pytorch.versions ?? pytorch.reason,
  onnxruntime: onnxruntime.versions ?? onnxruntime.reason,
  rows,
  // PyTorch rows no Graft row shares a key with (e.g. a target it did not reach).
  pytorchOnlyRows: (pytorch.rows ?? []).filter(
    (row) => !rows.some((graftRow) => graftRow.compare === row.compare),
  ),
  onnxruntimeRows,
  failures,
};
const lowerIsBetter = (row) => row.unit.includes('lower is better');
for (const row of rows) {
  const reference = row.compare ? byKey.get(row.compare) : undefined;
  if (reference) {
    row.pytorch = reference.value;
    // Above 1 = Graft faster, also for times (lower is better).
    row.ratio = lowerIsBetter(row) ? reference.value / row.value : row.value / reference.value;
  }
  const ceiling = row.compare ? onnxruntimeByKey.get(row.compare) : undefined;
  if (ceiling) {
    row.onnxruntime = ceiling.value;
    row.ratioOnnxruntime = row.value / ceiling.value;
  }
}
for (const row of onnxruntimeRows) {
  const reference = byKey.get(row.compare);
  if (reference)
    row.notes += `; onnxruntime / PyTorch ${(row.value / reference.value).toFixed(2)}x`;
}
writeFileSync(join(output, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
const format = (value) => (value === undefined ? '' : value.toFixed(2));
const ratio = (value) => (value === undefined ? '' : `${value.toFixed(2)}x`);
const table = [
  `Benchmarks — ${result.machine.date.slice(0, 16).replace('T', ' ')} UTC, ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}, ${Math.round(result.seconds / 60)} min`,
  '',
  `Machine load (1/5/15-min averages): ${result.machine.loadAverage.join(' / ')} at start, ${result.machine.loadAverageAtEnd.join(' / ')} at end; the load column is the 1-min average when each row finished (above ~${result.machine.cpus} means other work shared the cores).`,
  '',
  pytorch.versions
    ? `PyTorch side: torch ${pytorch.versions.torch}, torchvision ${pytorch.versions.torchvision}, Pillow ${pytorch.versions.pillow}, ${pytorch.versions.threads} threads, BLAS ${pytorch.versions.blas ?? 'unknown'}.`
    : `PyTorch side: not run (${pytorch.reason}).`,
  '',
  onnxruntime.versions
    ? `onnxruntime side (forward rows): onnxruntime-node ${onnxruntime.versions.onnxruntime}, CPU execution provider, intraOpNumThreads ${onnxruntime.versions.threads} (the onnxruntime column; 1-thread rows below too), graphOptimizationLevel all, models exported by torch.onnx.export (opset ${onnxruntime.versions.opset}, random weights, pooled features, NCHW input).`
    : `onnxruntime side: the onnxruntime column could not be produced (${onnxruntime.reason}).`,
  '',
  '| suite | workload | backend | value | unit | PyTorch | Graft / PyTorch | onnxruntime | Graft / ORT | peak RSS MiB | load | notes |',
  '|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map(
    (row) =>
      `| ${row.suite} | ${row.name} | ${row.backend} | ${format(row.value)} | ${row.unit} | ${format(row.pytorch)} | ${ratio(row.ratio)} | ${format(row.onnxruntime)} | ${ratio(row.ratioOnnxruntime)} | ${row.peakRssMiB ?? ''} | ${row.loadAverage ?? ''} | ${row.notes} |`,
  ),
  ...(pytorch.rows ?? [])
    .filter((row) => !rows.some((graftRow) => graftRow.compare === row.compare))
    .map(
      (row) =>
        `| pytorch only | ${row.name} | torch | ${format(row.value)} | ${row.unit} | | | | | | | |`,
    ),
  ...onnxruntimeRows.map(
    (row) =>
      `| ${row.suite} | ${row.name} | ${row.backend} | ${format(row.value)} | ${row.unit} | | | | | ${row.peakRssMiB ?? ''} | ${row.loadAverage ?? ''} | ${row.notes} |`,
  ),
  ...(failures.length > 0
    ? ['', 'Suites that failed:', ...failures.map((line) => `- ${line}`)]
    : []),
].join('\n');
writeFileSync(join(output, 'results.md'), `${table}\n`);
console.log(`\n${table}`);

/** Runs tooling/bench/pytorch/workloads.py with Debian's python3, when torch imports there. */
function runPyTorch(keys) {
  if (process.env.GRAFT_BENCH_PYTORCH === '0') return { reason: 'GRAFT_BENCH_PYTORCH=0' };
  if (keys.length === 0) return { reason: 'no Graft workload with a PyTorch counterpart ran' };
  const python = process.env.GRAFT_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return {
      reason: `${python} cannot import torch/torchvision; apt-get install python3-torch python3-torchvision`,
    };
  }
  console.log('== tooling/bench/pytorch/workloads.py');
  const run = spawnSync(
    python,
    [join(import.meta.dirname, 'pytorch/workloads.py'), keys.join(',')],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 16 * 2 ** 20,
      env: {
        ...process.env,
        GRAFT_SHARED_DIR: process.env.GRAFT_SHARED_DIR ?? resolve(root, '../shared'),
      },
    },
  );
  if (run.status !== 0) return { reason: `workloads.py exited with ${run.status}` };
  return JSON.parse(run.stdout);
}
