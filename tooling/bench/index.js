// Shared benchmark helpers: every package's `bench/*.bench.ts` measures with `measure` and
// returns rows; `pnpm bench` (tooling/bench/run.mjs) collects them into one table.
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/**
 * Times `run` after `warmup` untimed calls, `runs` times, and returns the median throughput.
 * @param {{ suite: string, name: string, items: number, unit?: string, warmup?: number, runs?: number,
 *   run: () => unknown | Promise<unknown>, backend?: string, notes?: string }} options
 */
export async function measure(options) {
  const warmup = options.warmup ?? 1;
  const runs = options.runs ?? 5;
  for (let index = 0; index < warmup; index++) await options.run();
  const seconds = [];
  for (let index = 0; index < runs; index++) {
    const start = process.hrtime.bigint();
    await options.run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)];
  const row = {
    suite: options.suite,
    name: options.name,
    backend: options.backend ?? '',
    value: options.items / median,
    unit: options.unit ?? 'images/s',
    medianSeconds: median,
    runs,
    notes: options.notes ?? '',
    compare: options.compare,
    // Peak resident memory of this process so far (each bench file runs in its own process).
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    // Other jobs on the machine make figures noisy: the 1-minute load average when this row ended.
    loadAverage: Number(loadavg()[0].toFixed(2)),
  };
  // The runner passes this file so that rows measured before a suite times out are kept.
  if (process.env.GRAFT_BENCH_ROWS_LOG)
    appendFileSync(process.env.GRAFT_BENCH_ROWS_LOG, `${JSON.stringify(row)}\n`);
  console.log(
    `${row.suite} | ${row.name} | ${row.backend} | ${row.value.toFixed(2)} ${row.unit} (median of ${runs}, ${median.toFixed(3)} s)`,
  );
  return row;
}

/** Machine facts recorded next to every result. */
export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    // 1, 5 and 15-minute load averages: above 0 means other work competed for the cores.
    loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
    node: process.version,
    date: new Date().toISOString(),
  };
}
