// What a batch costs on the engines of `graft serve`, per image, in one process
// (docs/benchmarks.md, issue 27 third round): decode + resize (`ImageClassifier.pixels`), then
// the engine (`normalizePixels` + ONNX Runtime in its worker thread) at each batch size, with
// ONNX Runtime's spinning threads on and off. Configurations alternate round by round so all
// see the same machine load; CPU is process-wide (`process.cpuUsage`: main, worker and ONNX
// Runtime threads). Build first (`pnpm turbo run build --filter=@graft/cli...`). Usage:
//   node tooling/bench/serve/batch-cost.mjs <onnx-export-dir> <image> [batches=1,4,16,mixed] [rounds=3]
// `mixed` cycles through batch sizes 1–16 as a server's queue hands them over. A tfjs folder
// (a run's `model/`, `graft export`) measures the tfjs engine on wasm instead, on fewer images.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { classifierFormat, loadClassifier, onnxPixelEngine } from '@graft/predictor/node';
import { initBackend } from '@graft/runtime';

const [directory, imagePath, batchList = '1,4,16,mixed', roundText = '3'] = process.argv.slice(2);
if (imagePath === undefined) {
  console.error('usage: batch-cost.mjs <onnx-export-dir> <image> [batches] [rounds]');
  process.exit(2);
}
const format = await classifierFormat(directory);
// tfjs on wasm costs ~20x more per image: 32 images per configuration and round, not 200.
const mixed =
  format === 'tfjs'
    ? [16, 5, 11]
    : [16, 5, 11, 3, 16, 8, 13, 1, 16, 7, 2, 14, 9, 16, 4, 15, 6, 12, 10, 16];
const batches = batchList.split(',').map((text) => (text === 'mixed' ? 'mixed' : Number(text)));
const rounds = Number(roundText);
const imagesPerRound = mixed.reduce((sum, size) => sum + size, 0);
const sizesOf = (batch) =>
  batch === 'mixed' ? mixed : Array(Math.round(imagesPerRound / batch)).fill(batch);
const bytes = readFileSync(imagePath);
if (format === 'tfjs') await initBackend({ prefer: 'wasm' });
const classifier = await loadClassifier(directory, { engine: format, threads: 2 });
const engines = format === 'tfjs' ? [{ name: 'tfjs (wasm)', engine: classifier.engine }] : [];
const model = format === 'onnx' ? readFileSync(join(directory, 'model.onnx')) : undefined;
for (const threads of format === 'onnx' ? [1, 2] : []) {
  for (const spinning of [true, false]) {
    const engine = await onnxPixelEngine({
      model,
      metadata: classifier.metadata,
      threads,
      spinning,
    });
    engines.push({
      name: `${threads} thread${threads > 1 ? 's' : ''}, spinning ${spinning ? 'on' : 'off'}`,
      engine,
    });
  }
}
const pixels = await classifier.pixels(bytes, imagePath);
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const totals = new Map();
const add = (key, cpu, wall, images) => {
  const total = totals.get(key) ?? { cpu: 0, wall: 0, images: 0 };
  totals.set(key, { cpu: total.cpu + cpu, wall: total.wall + wall, images: total.images + images });
};
// Warm-up: every engine at every batch size once.
for (const { engine } of engines) {
  for (const batch of batches) {
    const size = batch === 'mixed' ? 16 : batch;
    await engine.probabilities(new Uint8Array(pixels.length * size), size);
  }
}
const loads = [loadavg()[0]];
for (let round = 0; round < rounds; round++) {
  let cpu = cpuMs();
  let wall = performance.now();
  for (let index = 0; index < 16; index++) await classifier.pixels(bytes, imagePath);
  add('decode + resize (main thread + libuv)', cpuMs() - cpu, performance.now() - wall, 16);
  for (const { name, engine } of engines) {
    for (const batch of batches) {
      const buffer = new Uint8Array(pixels.length * 16);
      for (let index = 0; index < 16; index++) buffer.set(pixels, index * pixels.length);
      cpu = cpuMs();
      wall = performance.now();
      for (const size of sizesOf(batch)) {
        await engine.probabilities(buffer.subarray(0, size * pixels.length), size);
      }
      add(
        `${name}, batch ${batch}`,
        cpuMs() - cpu,
        performance.now() - wall,
        sizesOf(batch).reduce((sum, size) => sum + size, 0),
      );
    }
  }
  loads.push(loadavg()[0]);
}
console.log(
  `| what | CPU-ms per image | wall ms per image | images |  (${rounds} alternating rounds, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)})`,
);
console.log('|---|---|---|---|');
for (const [key, { cpu, wall, images }] of totals) {
  console.log(
    `| ${key} | ${(cpu / images).toFixed(1)} | ${(wall / images).toFixed(1)} | ${images} |`,
  );
}
for (const { engine } of engines) {
  if (engine !== classifier.engine) await engine.dispose();
}
await classifier.dispose();
