// Workload 1 through Graft's ONNX Runtime engine: the backbone's frozen feature network
// (`inferenceModel()`, BatchNorm folded) converted by @graft/onnx and run by onnxruntime-node
// (CPU provider, intra-op threads = cores) on NHWC batches of 32 at 224, as `graft train
// --engine onnx` extracts features. Same `compare` key as the tfjs forward rows, so the table
// puts it beside PyTorch and beside onnxruntime-node on torchvision's export.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, measure } from '@graft/bench-kit';
import { createOnnxFeatureComputer } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import { backboneCacheIdentity } from '@graft/trainer';
import '@tensorflow/tfjs-backend-wasm';
import {
  type BackboneKey,
  benchImageSize,
  createRandomBackbone,
  liveTensors,
  rssMiB,
} from './workloads.js';

const suite = 'forward (suites)';
const batchSize = 32;

/** Images/s of the ONNX Runtime engine on one backbone (random weights). */
export async function forwardOnnxEngineRow(key: BackboneKey, runs: number): Promise<BenchRow> {
  // tfjs builds the backbone (and its folded network) that is converted.
  await initBackend({ prefer: 'wasm' });
  const backbone = await createRandomBackbone(key);
  const size = benchImageSize(key);
  // Built (and kept) by the backbone on first use; its tensors are not the engine's.
  backbone.inferenceModel?.();
  const tensorsBefore = liveTensors();
  const started = performance.now();
  const computer = await createOnnxFeatureComputer({
    backbone,
    cacheIdentity: await backboneCacheIdentity(backbone),
    cacheDirectory: join(tmpdir(), 'graft-bench-onnx'),
  });
  const startSeconds = (performance.now() - started) / 1000;
  const pixels = new Float32Array(batchSize * size * size * 3);
  // Deterministic pseudo-random input in [-1, 1) (values do not change the speed).
  let state = 1;
  for (let index = 0; index < pixels.length; index++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[index] = state / 2 ** 31 - 1;
  }
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  try {
    const row = await measure({
      suite,
      name: `${key} ${size} b${batchSize}, Graft ONNX Runtime engine`,
      items: batchSize,
      backend: `onnxruntime (${computer.engine.detail})`,
      warmup: 1,
      runs,
      compare: `forward/${key}/b${batchSize}`,
      run: async () => {
        // computeFeatures takes ownership of its pixels: hand it a copy each run.
        await computer.computeFeatures({
          pixels: pixels.slice(),
          shape: [batchSize, size, size, 3],
        });
      },
    });
    const cpu = process.cpuUsage(cpuBefore);
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    row.notes = `createOnnxFeatureComputer on inferenceModel() (BN folded), NHWC input; graph ${computer.graph.reused ? 'reused from the disk cache' : 'converted'} (${(computer.graph.bytes / 2 ** 20).toFixed(1)} MiB, start ${startSeconds.toFixed(1)} s, not timed); ${((cpu.user + cpu.system) / 1e6 / wallSeconds).toFixed(2)} CPU-s per wall-s; live tfjs tensors ${tensorsBefore} with the backbone, ${liveTensors()} after conversion and ${runs + 1} batches; RSS ${rssMiB()} MiB`;
    return row;
  } finally {
    await computer.close();
    backbone.dispose();
  }
}
