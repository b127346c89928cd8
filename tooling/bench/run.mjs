// `pnpm bench`: runs every package's bench/*.bench.ts (through tsx), collects the rows, writes
// bench-results/results.json and bench-results/results.md. `pnpm bench <filter>` runs matching files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machine } from './index.js';

const root = resolve(import.meta.dirname, '../..');
const filter = process.argv[2];
const files = [];
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const directory = join(root, group, name, 'bench');
    if (!existsSync(directory)) continue;
    for (const file of readdirSync(directory)) {
      if (file.endsWith('.bench.ts') && (!filter || `${name}/${file}`.includes(filter)))
        files.push(join(directory, file));
    }
  }
}
const output = join(root, 'bench-results');
mkdirSync(output, { recursive: true });
const rows = [];
for (const file of files) {
  console.log(`== ${file.slice(root.length + 1)}`);
  const rowsFile = join(output, `.rows-${rows.length}.json`);
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
}
const result = { machine: machine(), rows };
writeFileSync(join(output, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
const table = [
  `Benchmarks — ${result.machine.date.slice(0, 10)}, ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}`,
  '',
  '| suite | workload | backend | value | unit | notes |',
  '|---|---|---|---:|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.suite} | ${row.name} | ${row.backend} | ${row.value.toFixed(2)} | ${row.unit} | ${row.notes} |`,
  ),
].join('\n');
writeFileSync(join(output, 'results.md'), `${table}\n`);
console.log(`\n${table}`);
