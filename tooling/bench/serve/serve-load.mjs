// Load bench of `graft serve` with autocannon on loopback (docs/benchmarks.md, issue 27), against
// in-process classification of the same image in the same invocation. Build first (`pnpm turbo
// run build --filter=@graft/cli...`). Steps:
//   1. In-process baseline: the predictor's one-call API (`loadClassifier` of
//      `@graft/predictor/node` with the same engine and threads as the server, then
//      `classifier.classify(bytes)` one image after another) for --baseline-seconds: images/s
//      and CPU-ms per image (process.cpuUsage, all threads).
//   2. For each --max-batch (x each --max-wait-ms when batching): the built CLI's `graft serve`
//      in a child process, warmed up, then autocannon at each --connections for --seconds:
//      requests/s, p50/p99 ms, served/in-process ratio, server CPU-ms per 2xx answer (utime +
//      stime from /proc, Linux only), non-2xx + errors, RSS, load average.
//   3. The baseline again (the machine's load drifts); the ratio uses the mean of both.
// Prints a markdown table and writes it to --out when given. Usage (repo root):
//   node tooling/bench/serve/serve-load.mjs <run|classifier-dir|onnx-export-dir> <image> \
//     [--engine auto|tfjs|onnx] [--max-batch 1,16] [--max-wait-ms 5] [--connections 1,8,32] \
//     [--seconds 15] [--baseline-seconds 10] [--out table.md]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { classifierFormat, loadClassifier } from '@graft/predictor/node';
import { initBackend } from '@graft/runtime';
import autocannon from 'autocannon';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: 'string', default: 'auto' },
    'max-batch': { type: 'string', default: '1,16' },
    'max-wait-ms': { type: 'string', default: '5' },
    connections: { type: 'string', default: '1,8,32' },
    seconds: { type: 'string', default: '15' },
    'baseline-seconds': { type: 'string', default: '10' },
    threads: { type: 'string', default: String(availableParallelism()) },
    out: { type: 'string' },
  },
});
const [target, imagePath] = positionals;
if (imagePath === undefined) {
  console.error(
    'usage: serve-load.mjs <run|dir> <image> [--engine auto|tfjs|onnx] [--max-batch 1,16] [--max-wait-ms 5] [--connections 1,8,32] [--seconds 15] [--baseline-seconds 10] [--out table.md]',
  );
  process.exit(2);
}
const list = (text) => text.split(',').map(Number);
const seconds = Number(flags.seconds);
const threads = Number(flags.threads);
const cli = fileURLToPath(new URL('../../../apps/cli/dist/main.js', import.meta.url));
const image = readFileSync(imagePath);
const load = () => loadavg()[0].toFixed(1);

// The classifier directory and its format, as `graft serve` resolves them.
const modelDir = classifierDirectory(target);
const format = await classifierFormat(modelDir);
const engine = flags.engine === 'auto' ? format : flags.engine;

/** A run's `model/`, or the directory itself. */
function classifierDirectory(path) {
  const run = join(path, 'model');
  return existsSync(join(run, 'metadata.json')) ? run : path;
}

let backendReady;

/** One-call classification of the image, one after another, for `duration` seconds. */
async function baseline(duration) {
  if (engine === 'tfjs') backendReady ??= initBackend({ prefer: 'wasm' });
  await backendReady;
  const classifier = await loadClassifier(modelDir, { engine, threads });
  try {
    await classifier.classify(image); // warm-up
    const startLoad = load();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    let images = 0;
    while (performance.now() - start < duration * 1000) {
      await classifier.classify(image, { topK: 1 });
      images++;
    }
    const wall = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      perSecond: images / wall,
      cpuMs: (cpu.user + cpu.system) / 1000 / images,
      load: `${startLoad}–${load()}`,
    };
  } finally {
    await classifier.dispose();
  }
}

const tick = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / tick;
};
const rss = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function startServer(maxBatch, maxWaitMs) {
  const child = spawn(
    process.execPath,
    [
      cli,
      ...(engine === 'tfjs' ? ['--backend', 'wasm'] : []),
      'serve',
      target,
      ...['--port', '0', '--engine', engine, '--threads', String(threads)],
      ...['--max-batch', String(maxBatch), '--max-wait-ms', String(maxWaitMs)],
      ...['--max-queue', '1024', '--timeout-ms', '120000'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /at (http:\/\/[^\s]+)\/v1\/predict/.exec(text);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`graft serve exited (${code}) before listening`)));
  });
  return { child, url };
}

const before = await baseline(Number(flags['baseline-seconds']));
console.log(
  `in-process ${engine} (${format} folder), one-call classify: ${before.perSecond.toFixed(2)} images/s, ${before.cpuMs.toFixed(1)} CPU-ms/image (load ${before.load})`,
);
const configs = [];
for (const maxBatch of list(flags['max-batch'])) {
  for (const maxWaitMs of maxBatch === 1 ? [0] : list(flags['max-wait-ms'])) {
    configs.push({ maxBatch, maxWaitMs });
  }
}
const rows = [];
for (const { maxBatch, maxWaitMs } of configs) {
  const { child, url } = await startServer(maxBatch, maxWaitMs);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleRss = rss(child.pid);
  console.log(
    `graft serve --engine ${engine} --max-batch ${maxBatch} --max-wait-ms ${maxWaitMs}: idle RSS ${idleRss.toFixed(0)} MiB`,
  );
  for (const connections of list(flags.connections)) {
    const cpu0 = cpuSeconds(child.pid);
    const startLoad = load();
    const result = await autocannon({
      url: `${url}/v1/predict`,
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: image,
      connections,
      duration: seconds,
      timeout: 120,
    });
    const used = cpuSeconds(child.pid) - cpu0;
    const ok = result['2xx'];
    const row = {
      maxBatch,
      maxWaitMs,
      connections,
      perSecond: ok / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuMs: (1000 * used) / Math.max(ok, 1),
      failed: result.non2xx + result.errors,
      rss: rss(child.pid),
      load: `${startLoad}–${load()}`,
    };
    rows.push(row);
    console.log(
      `  ${connections} connections: ${row.perSecond.toFixed(2)} requests/s, p50 ${row.p50} ms, p99 ${row.p99} ms`,
    );
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
}
const after = await baseline(Number(flags['baseline-seconds']));
const inProcess = (before.perSecond + after.perSecond) / 2;
const table = [
  `In-process baseline (\`loadClassifier\` + \`classify\`, engine ${engine}${engine === 'onnx' ? `, ${threads} threads` : ''}, same image, one at a time): ${before.perSecond.toFixed(2)} images/s before the server rows (${before.cpuMs.toFixed(1)} CPU-ms/image, load ${before.load}), ${after.perSecond.toFixed(2)} after (${after.cpuMs.toFixed(1)} CPU-ms/image, load ${after.load}); ratios use the mean, ${inProcess.toFixed(2)}.`,
  '',
  '| engine | --max-batch | --max-wait-ms | connections | requests/s | x in-process | p50 ms | p99 ms | server CPU-ms/request | non-2xx + errors | RSS MiB | load |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (row) =>
      `| ${engine} | ${row.maxBatch} | ${row.maxBatch === 1 ? '—' : row.maxWaitMs} | ${row.connections} | ${row.perSecond.toFixed(2)} | ${(row.perSecond / inProcess).toFixed(2)}x | ${row.p50} | ${row.p99} | ${row.cpuMs.toFixed(1)} | ${row.failed} | ${row.rss.toFixed(0)} | ${row.load} |`,
  ),
].join('\n');
console.log(`\n${table}`);
if (flags.out !== undefined) writeFileSync(flags.out, `${table}\n`);
