// Issue 27: the calibrated int8 ONNX model against float32 in onnxruntime-node, as `graft export
// --format onnx --quantize int8` writes it. MobileNetV2 1.0's frozen feature network (random
// weights, BatchNorm folded) converted by @graft/onnx, calibrated on 32 deterministic
// pseudo-random inputs in [-1, 1) (the values set the ranges, not the arithmetic), then both
// models run b16 at 224 on one intra-op thread (the export's own comparison) and on all cores.
// The notes carry process CPU-ms per image measured alternately, batch by batch, in this process.
import { type BenchRow, measure } from '@graft/bench-kit';
import { convertToOnnx, describeOnnxModel } from '@graft/onnx';
import { quantizeOnnxCalibrated } from '@graft/onnx/node';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { createRandomBackbone, rssMiB } from './workloads.js';

const suite = 'onnx int8 (suites)';
const batchSize = 16;
const size = 224;

function pseudoRandomPixels(seed: number): Float32Array {
  const pixels = new Float32Array(batchSize * size * size * 3);
  let state = seed;
  for (let index = 0; index < pixels.length; index++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    pixels[index] = state / 2 ** 31 - 1;
  }
  return pixels;
}

export default async (): Promise<BenchRow[]> => {
  await initBackend({ prefer: 'wasm' });
  const backbone = await createRandomBackbone('mobilenet_v2_1.0');
  const network = backbone.inferenceModel?.() ?? backbone.model;
  const float32 = convertToOnnx({ model: network });
  backbone.dispose();
  const calibrationStart = process.cpuUsage();
  const quantized = await quantizeOnnxCalibrated({
    model: float32,
    runtime: ort,
    batches: (async function* () {
      for (let seed = 1; seed <= 2; seed++) {
        yield { data: pseudoRandomPixels(seed), shape: [batchSize, size, size, 3] };
      }
    })(),
  });
  const calibrationCpu = process.cpuUsage(calibrationStart);
  const shape = [batchSize, size, size, 3];
  const input = new ort.Tensor('float32', pseudoRandomPixels(99), shape);
  const rows: BenchRow[] = [];
  for (const threads of [1, availableParallelism()]) {
    const options = { intraOpNumThreads: threads, interOpNumThreads: 1 };
    const sessions = {
      float32: await ort.InferenceSession.create(float32, options),
      int8: await ort.InferenceSession.create(quantized.model, options),
    };
    const run = (session: ort.InferenceSession) =>
      session.run({ [session.inputNames[0] as string]: input });
    // Alternating A/B in this process: CPU-ms per image of each model under the same load.
    const cpu = { float32: 0, int8: 0 };
    for (const session of Object.values(sessions)) await run(session);
    for (let round = 0; round < 4; round++) {
      for (const [name, session] of Object.entries(sessions)) {
        const start = process.cpuUsage();
        await run(session);
        const used = process.cpuUsage(start);
        cpu[name as keyof typeof cpu] += (used.user + used.system) / 1000 / (4 * batchSize);
      }
    }
    for (const [name, session] of Object.entries(sessions)) {
      const row = await measure({
        suite,
        name: `mobilenet_v2_1.0 ${size} b${batchSize}, ONNX ${name === 'int8' ? 'int8 (calibrated QDQ)' : 'float32'}, ${threads} thread${threads === 1 ? '' : 's'}`,
        items: batchSize,
        backend: `onnxruntime-node ${ort.env.versions.node ?? ''} cpu`,
        warmup: 1,
        runs: 5,
        run: async () => {
          await run(session);
        },
      });
      row.notes = `CPU-ms/image alternating A/B: float32 ${cpu.float32.toFixed(1)}, int8 ${cpu.int8.toFixed(1)} (${(cpu.float32 / cpu.int8).toFixed(2)}x); model ${((name === 'int8' ? quantized.model : float32).byteLength / 2 ** 20).toFixed(2)} MiB; int8: ${quantized.quantizedWeights} weights, ${quantized.quantizedActivations} activations, calibration ${((calibrationCpu.user + calibrationCpu.system) / 1e6).toFixed(1)} CPU-s; RSS ${rssMiB()} MiB`;
      rows.push(row);
    }
    for (const session of Object.values(sessions)) await session.release();
  }
  // What ONNX Runtime runs, for the record: the QDQ nodes fused into integer kernels.
  const operators = describeOnnxModel(quantized.model).operators;
  const last = rows[rows.length - 1];
  if (last !== undefined) {
    last.notes += `; QDQ model: ${operators.QuantizeLinear ?? 0} QuantizeLinear, ${operators.DequantizeLinear ?? 0} DequantizeLinear`;
  }
  return rows;
};
