// `pnpm bench`: runs every package's bench/*.bench.ts (through tsx), then the same workloads in
// PyTorch when Debian's python3-torch is importable, and writes bench-results/results.json and
// bench-results/results.md. `pnpm bench <filter>` runs matching files (and PyTorch workloads).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machine } from './index.js';

const root = resolve(import.meta.dirname, '../..');
const filter = process.argv[2];
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
    if (file.endsWith('.bench.ts') && (!filter || `${name}/${file}`.includes(filter)))
      files.push(join(directory, file));
  }
}
const output = join(root, 'bench-results');
mkdirSync(output, { recursive: true });
const rows = [];
const failures = [];
for (const file of files) {
  const relative = file.slice(root.length + 1);
  console.log(`== ${relative}`);
  const rowsFile = join(output, `.rows-${files.indexOf(file)}.json`);
  try {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'run-one.mjs'), file, rowsFile],
      {
        stdio: 'inherit',
        cwd: root,
        env: {
          ...process.env,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=@graft/source`,
        },
      },
    );
    rows.push(...JSON.parse(readFileSync(rowsFile, 'utf8')));
  } catch (error) {
    // One broken suite must not hide the others' figures; it is listed under the table.
    failures.push(`${relative}: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
  }
}

// PyTorch runs only the workloads that Graft measured in this invocation (same keys, same shapes).
const pytorch = runPyTorch(rows.map((row) => row.compare).filter(Boolean));
const byKey = new Map((pytorch.rows ?? []).map((row) => [row.compare, row]));

const result = { machine: machine(), pytorch: pytorch.versions ?? pytorch.reason, rows, failures };
for (const row of rows) {
  const reference = row.compare ? byKey.get(row.compare) : undefined;
  if (reference) {
    row.pytorch = reference.value;
    row.ratio = row.value / reference.value;
  }
}
writeFileSync(join(output, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
const format = (value) => (value === undefined ? '' : value.toFixed(2));
const table = [
  `Benchmarks — ${result.machine.date.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}`,
  '',
  pytorch.versions
    ? `PyTorch side: torch ${pytorch.versions.torch}, torchvision ${pytorch.versions.torchvision}, Pillow ${pytorch.versions.pillow}, ${pytorch.versions.threads} threads.`
    : `PyTorch side: not run (${pytorch.reason}).`,
  '',
  '| suite | workload | backend | value | unit | PyTorch | Graft / PyTorch | peak RSS MiB | notes |',
  '|---|---|---|---:|---|---:|---:|---:|---|',
  ...rows.map(
    (row) =>
      `| ${row.suite} | ${row.name} | ${row.backend} | ${format(row.value)} | ${row.unit} | ${format(row.pytorch)} | ${row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`} | ${row.peakRssMiB ?? ''} | ${row.notes} |`,
  ),
  ...(pytorch.rows ?? [])
    .filter((row) => !rows.some((graftRow) => graftRow.compare === row.compare))
    .map(
      (row) =>
        `| pytorch only | ${row.name} | torch | ${format(row.value)} | ${row.unit} | | | | |`,
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
