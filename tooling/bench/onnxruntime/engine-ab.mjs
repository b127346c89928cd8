// A/B in one process: Graft's ONNX graph of a backbone (what `--engine onnx` runs, NHWC input)
// against torchvision's export of the same architecture (NCHW input), both in onnxruntime-node
// with the same session options, runs alternating so both see the same machine load.
// Usage: node engine-ab.mjs <graft.onnx> <torchvision.onnx> [pairs=6] [threads=cores]
// Prints the median wall seconds and CPU-seconds per batch of 32 of each side.
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';

const [graftPath, torchPath, pairsText = '6', threadsText] = process.argv.slice(2);
const threads = Number(threadsText ?? availableParallelism());
const batch = 32;
const size = 224;
const pixels = new Float32Array(batch * size * size * 3);
let state = 1;
for (let index = 0; index < pixels.length; index++) {
  state = (state * 1664525 + 1013904223) >>> 0;
  pixels[index] = state / 2 ** 31 - 1;
}
const options = {
  executionProviders: ['cpu'],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};
const sides = [
  { name: 'Graft graph (NHWC)', path: graftPath, dims: [batch, size, size, 3] },
  { name: 'torchvision export (NCHW)', path: torchPath, dims: [batch, 3, size, size] },
];
for (const side of sides) {
  side.session = await ort.InferenceSession.create(side.path, options);
  side.feeds = { [side.session.inputNames[0]]: new ort.Tensor('float32', pixels, side.dims) };
  await side.session.run(side.feeds);
  side.wall = [];
  side.cpu = [];
}
for (let pair = 0; pair < Number(pairsText); pair++) {
  for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await side.session.run(side.feeds);
    side.wall.push((performance.now() - started) / 1000);
    const used = process.cpuUsage(cpu);
    side.cpu.push((used.user + used.system) / 1e6);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const side of sides) {
  const wall = median(side.wall);
  console.log(
    `${side.name}: ${(batch / wall).toFixed(1)} images/s (median wall ${wall.toFixed(3)} s), ${median(side.cpu).toFixed(3)} CPU-s per batch of ${batch}, ${threads} threads`,
  );
  await side.session.release();
}
