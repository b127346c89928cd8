// Load bench of `graft serve` with autocannon on loopback (docs/benchmarks.md, issue 27 second
// round). Starts the built CLI (`pnpm turbo run build --filter=@graft/cli...` first), waits for
// warm-up, samples idle RSS and CPU, then runs autocannon at each connection count and prints one
// markdown row per count: requests/s, p50/p99 ms, server CPU-ms per 2xx answer (utime + stime
// from /proc, Linux only), non-2xx + errors, RSS MiB, load average. Usage (repo root):
//   node tooling/bench/serve/serve-load.mjs <run|classifier-dir> <image> <tfjs|onnx> <maxBatch> \
//     <connections,…> <seconds>
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const [runDir, imagePath, engine, maxBatch, concurrencies, seconds] = process.argv.slice(2);
if (seconds === undefined) {
  console.error(
    'usage: serve-load.mjs <run> <image> <tfjs|onnx> <maxBatch> <connections,…> <seconds>',
  );
  process.exit(2);
}
const cli = fileURLToPath(new URL('../../../apps/cli/dist/main.js', import.meta.url));
const image = readFileSync(imagePath);
const tick = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / tick;
};
const rss = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const child = spawn(
  process.execPath,
  [
    cli,
    'serve',
    runDir,
    '--port',
    '0',
    '--engine',
    engine,
    '--max-batch',
    maxBatch,
    '--max-queue',
    '1024',
    '--timeout-ms',
    '120000',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise((resolve) => {
  let text = '';
  child.stdout.on('data', (chunk) => {
    text += chunk;
    const match = /at (http:\/\/[^\s]+)\/v1\/predict/.exec(text);
    if (match) resolve(match[1]);
  });
});
await new Promise((r) => setTimeout(r, 2000));
const idle = rss(child.pid);
const idleCpu0 = cpuSeconds(child.pid);
await new Promise((r) => setTimeout(r, 3000));
const idleCpu = (cpuSeconds(child.pid) - idleCpu0) / 3;
console.log(
  `engine ${engine} max-batch ${maxBatch}: idle RSS ${idle.toFixed(0)} MiB, idle CPU ${(idleCpu * 100).toFixed(1)}% of a core`,
);
for (const connections of concurrencies.split(',').map(Number)) {
  const before = cpuSeconds(child.pid);
  const result = await autocannon({
    url: `${url}/v1/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: image,
    connections,
    duration: Number(seconds),
    timeout: 120,
  });
  const used = cpuSeconds(child.pid) - before;
  const ok = result['2xx'];
  console.log(
    `| ${engine} | ${maxBatch} | ${connections} | ${(ok / Number(seconds)).toFixed(2)} | ${result.latency.p50} | ${result.latency.p99} | ${((1000 * used) / Math.max(ok, 1)).toFixed(0)} | ${result.non2xx + result.errors} | ${rss(child.pid).toFixed(0)} | ${loadavg()[0].toFixed(1)} |`,
  );
}
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
