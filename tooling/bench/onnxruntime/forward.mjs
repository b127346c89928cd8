// One architecture's forward pass in onnxruntime-node (CPU execution provider), in its own
// process so that its peak RSS is its own: the "practical ceiling" column of issue 10's table.
// Usage: node forward.mjs <compare key> <model.onnx> <rows.json> <threads>[,<threads>…]
// The first thread count is the table's column (the cores the PyTorch side uses); the others are
// extra rows. Each session is released before the next is created.
import { writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { measure } from '../index.js';

const [compare, modelPath, rowsFile, threadList] = process.argv.slice(2);
const [, key, batchName] = compare.split('/');
const batchSize = Number(batchName.slice(1));
const size = 224;
const input = new Float32Array(batchSize * 3 * size * size);
// Deterministic pseudo-random input in [-1, 1) (values do not change the speed of these models).
let state = 1;
for (let index = 0; index < input.length; index++) {
  state = (state * 1664525 + 1013904223) >>> 0;
  input[index] = state / 2 ** 31 - 1;
}
const rows = [];
for (const threads of threadList.split(',').map(Number)) {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { input: new ort.Tensor('float32', input, [batchSize, 3, size, size]) };
  let outputDims = [];
  // CPU time over wall time (warm-up included) shows how many cores the session really used.
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const row = await measure({
    suite: 'onnxruntime-node',
    name: `${key} ${size} b${batchSize}`,
    items: batchSize,
    backend: `onnxruntime cpu, ${threads} thread${threads === 1 ? '' : 's'}`,
    warmup: 1,
    runs: threads === 1 ? 3 : 5,
    compare,
    run: async () => {
      const outputs = await session.run(feeds);
      outputDims = outputs.features.dims;
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wallSeconds = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  await session.release();
  row.threads = threads;
  row.notes = `intraOpNumThreads ${threads}, graphOptimizationLevel all; ${((cpu.user + cpu.system) / 1e6 / wallSeconds).toFixed(2)} CPU-s per wall-s; output [${outputDims.join(', ')}]`;
  rows.push(row);
}
writeFileSync(rowsFile, JSON.stringify(rows));
