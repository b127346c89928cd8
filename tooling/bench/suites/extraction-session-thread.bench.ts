// Issue 19, end-to-end lever: `graft train`'s frozen extraction of ants/bees (sharp decode +
// Pillow-exact resize to 224 on this thread, normalization on wasm, MobileNetV2 1.0 through the
// ONNX Runtime engine, batch 32, 2 batches in flight), with the ONNX Runtime session in this
// thread (its `run` blocks it for the whole inference) against the session in a worker thread
// (decode and resize of the next batches overlap the inference). Alternating passes in one
// process; wall and CPU (process.cpuUsage, every thread) per image.
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchRow } from '@graft/bench-kit';
import { openImageFolder } from '@graft/datasets/node';
import { createOnnxFeatureComputer } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { backboneCacheIdentity, extractFeatures } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import { createRandomBackbone } from './workloads.js';

const sharedDir =
  process.env.GRAFT_SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared');
const suite = 'extraction session thread (issue 19)';
const rounds = Number(process.env.GRAFT_BENCH_ROUNDS ?? 3);

export default async function run(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const backbone = await createRandomBackbone('mobilenet_v2_1.0');
  const preprocessing = backbone.preprocessing;
  const folder = await openImageFolder({
    root: join(sharedDir, 'data', 'hymenoptera'),
    imageSize: preprocessing.inputSize,
    ...(preprocessing.resize ? { resize: preprocessing.resize } : {}),
  });
  const datasets = [folder.dataset('train'), folder.dataset('val')];
  const images = datasets.reduce((sum, data) => sum + data.size, 0);
  const cacheIdentity = await backboneCacheIdentity(backbone);
  const variants = {
    'session in this thread': false,
    'session in a worker thread': true,
  } as const;
  // One after the other: both convert (or read) the same folded network.
  const computers: Record<string, Awaited<ReturnType<typeof createOnnxFeatureComputer>>> = {};
  for (const [name, inWorkerThread] of Object.entries(variants)) {
    computers[name] = await createOnnxFeatureComputer({
      backbone,
      cacheIdentity,
      cacheDirectory: join(tmpdir(), 'graft-bench-onnx'),
      allowSpinning: false,
      inWorkerThread,
    });
  }
  const samples: Record<string, Array<{ wall: number; cpu: number }>> = Object.fromEntries(
    Object.keys(variants).map((name) => [name, []]),
  );
  const pass = async (name: string) => {
    const computer = computers[name];
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    for (const data of datasets) {
      await extractFeatures({ backbone, data, batchSize: 32, featureComputer: computer });
    }
    const cpu = process.cpuUsage(cpuStart);
    return { wall: (performance.now() - wallStart) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  try {
    for (const name of Object.keys(variants)) await pass(name);
    for (let round = 0; round < rounds; round++) {
      for (const name of Object.keys(variants)) {
        const sample = await pass(name);
        samples[name]?.push(sample);
        console.log(
          `${suite} | ${name} | round ${round + 1}: ${(images / sample.wall).toFixed(1)} images/s, ${((sample.cpu / images) * 1000).toFixed(2)} CPU-ms/image (load ${(loadavg()[0] ?? 0).toFixed(2)})`,
        );
      }
    }
  } finally {
    for (const computer of Object.values(computers)) await computer.close();
    backbone.dispose();
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return Object.entries(samples).flatMap(([name, list]) => {
    const wall = median(list.map((sample) => sample.wall));
    const cpu = median(list.map((sample) => sample.cpu));
    const row = {
      suite,
      name: `ants/bees clean extraction (train + val, ${images} images), MobileNetV2 1.0 ONNX engine, ${name}`,
      backend: 'onnxruntime + sharp',
      runs: list.length,
      loadAverage: loadavg()[0] ?? 0,
      notes: `alternating passes in one process; walls ${list.map((sample) => sample.wall.toFixed(2)).join(', ')} s; CPU ${list.map((sample) => sample.cpu.toFixed(2)).join(', ')} s`,
    };
    return [
      { ...row, value: images / wall, unit: 'images/s', medianSeconds: wall },
      { ...row, value: images / cpu, unit: 'images/CPU-s', medianSeconds: cpu },
    ];
  });
}
