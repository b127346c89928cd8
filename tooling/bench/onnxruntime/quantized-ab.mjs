// A/B in one process: `graft export --format onnx` models (float32, `--quantize int8`,
// `--quantize int8-weights`) in onnxruntime-node with the same session options, runs alternating
// so every model sees the same machine load. The weight-only model also runs with
// `session.disable_quant_qdq=1` (its DequantizeLinear folded at load).
// Usage: node quantized-ab.mjs <float32 model.onnx> <int8 model.onnx> [<int8-weights model.onnx>]
//        [rounds=6] [threads=1,2] [batches=1,16]
// Prints, per threads × batch: median wall ms per image and CPU-ms per image (process user +
// system over the runs / images) of each model, and the ratio to float32.
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [
  float32Path,
  int8Path,
  weightsPath,
  roundsText = '6',
  threadsText = '1,2',
  batchText = '1,16',
] = process.argv.slice(2);
const rounds = Number(roundsText);
const size = 224;
const models = { float32: float32Path, int8: int8Path };
if (weightsPath !== undefined && weightsPath !== '-') models['int8-weights'] = weightsPath;

function pixels(batch) {
  const values = new Float32Array(batch * size * size * 3);
  let state = 1;
  for (let index = 0; index < values.length; index++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    values[index] = state / 2 ** 31 - 1;
  }
  return values;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const threads of threadsText.split(',').map(Number)) {
  const options = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const sessions = {};
  for (const [name, path] of Object.entries(models)) {
    sessions[name] = await ort.InferenceSession.create(readFileSync(path), options);
  }
  if (models['int8-weights'] !== undefined) {
    sessions['int8-weights folded'] = await ort.InferenceSession.create(
      readFileSync(models['int8-weights']),
      { ...options, extra: { session: { disable_quant_qdq: '1' } } },
    );
  }
  for (const batch of batchText.split(',').map(Number)) {
    const input = new ort.Tensor('float32', pixels(batch), [batch, size, size, 3]);
    const run = (session) => session.run({ [session.inputNames[0]]: input });
    for (const session of Object.values(sessions)) await run(session);
    const wall = Object.fromEntries(Object.keys(sessions).map((name) => [name, []]));
    const cpu = Object.fromEntries(Object.keys(sessions).map((name) => [name, 0]));
    const repeats = Math.max(1, Math.round(16 / batch));
    for (let round = 0; round < rounds; round++) {
      for (const [name, session] of Object.entries(sessions)) {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        for (let repeat = 0; repeat < repeats; repeat++) await run(session);
        wall[name].push((performance.now() - start) / (repeats * batch));
        const used = process.cpuUsage(cpuStart);
        cpu[name] += (used.user + used.system) / 1000 / (rounds * repeats * batch);
      }
    }
    const load = (await import('node:os')).loadavg()[0].toFixed(1);
    console.log(
      `threads ${threads}, batch ${batch} (${rounds} rounds × ${repeats} runs, load ${load}):`,
    );
    for (const name of Object.keys(sessions)) {
      console.log(
        `  ${name.padEnd(20)} wall ${median(wall[name]).toFixed(2)} ms/image (${(median(wall.float32) / median(wall[name])).toFixed(2)}x)  CPU ${cpu[name].toFixed(2)} ms/image (${(cpu.float32 / cpu[name]).toFixed(2)}x)`,
      );
    }
  }
  for (const session of Object.values(sessions)) await session.release();
}
