import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeOnnxModel } from '@graft/onnx';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

// `graft export --format onnx --quantize int8` on a tiny run, read back by onnxruntime-node
// beside the float32 export of the same run.
const project = useTinyProject({ name: 'export-onnx-quantize', images: { train: 4, val: 3 } });
const outputs: Record<string, string> = {};

beforeAll(async () => {
  const { out: run } = await trainTinyRun(project(), 'run');
  // The tfjs float16 export prints the float32 classifier's accuracy on the same images.
  const tfjs = await runInProcess(
    'export',
    run,
    '--out',
    join(project(), 'tfjs-float16'),
    '--quantize',
    'float16',
    '--eval-data',
    join(project(), 'data'),
  );
  expect(tfjs.code, tfjs.stderr).toBe(exitCodes.success);
  outputs.tfjs = tfjs.stdout;
  for (const quantize of ['none', 'int8']) {
    const flags =
      quantize === 'none' ? [] : ['--quantize', quantize, '--eval-data', join(project(), 'data')];
    const out = join(project(), `onnx-${quantize}`);
    const result = await runInProcess('export', run, '--format', 'onnx', '--out', out, ...flags);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    outputs[quantize] = result.stdout;
  }
}, 120_000);

async function probabilities(folder: string, pixels: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(
    await readFile(join(project(), folder, 'model.onnx')),
  );
  try {
    const input = new ort.Tensor('float32', pixels, [4, 16, 16, 3]);
    const results = await session.run({ [session.inputNames[0] as string]: input });
    return results[session.outputNames[0] as string]?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('graft export --format onnx --quantize int8', () => {
  it('writes a smaller model.onnx that onnxruntime-node runs to nearly the float32 probabilities', async () => {
    const float32 = await readFile(join(project(), 'onnx-none', 'model.onnx'));
    const int8 = await readFile(join(project(), 'onnx-int8', 'model.onnx'));
    // The tiny backbone's weights are small next to the graph itself, so the file shrinks less
    // than the 4x the int8 weights take (MobileNetV2: docs/benchmarks.md).
    expect(int8.length).toBeLessThan(float32.length);
    expect(describeOnnxModel(float32).operators.DequantizeLinear).toBeUndefined();
    expect(describeOnnxModel(int8).operators.DequantizeLinear).toBeGreaterThan(0);
    const pixels = Float32Array.from({ length: 4 * 16 * 16 * 3 }, (_, index) =>
      Math.cos(index * 0.11),
    );
    const reference = await probabilities('onnx-none', pixels);
    const quantized = await probabilities('onnx-int8', pixels);
    const changes = reference.map((value, index) => Math.abs(value - (quantized[index] as number)));
    expect(Math.max(...changes)).toBeGreaterThan(0);
    expect(Math.max(...changes)).toBeLessThan(2e-2);
    const metadata = JSON.parse(
      await readFile(join(project(), 'onnx-int8', 'metadata.json'), 'utf8'),
    );
    expect(metadata.graft.onnx.weights).toBe('int8');
  });

  it('prints the size and, on --eval-data, the accuracy and CPU time of both models', () => {
    expect(outputs.int8).toMatch(/Conv\/Gemm weights stored int8 .* \(float32 .* MiB, \d+%\)/);
    expect(outputs.int8).toMatch(
      /onnxruntime-node on 9 images of .*: accuracy float32 .*% → int8 .*% \([+-]\d/,
    );
    expect(outputs.int8).toMatch(
      /CPU time per image \(1 thread\): float32 [\d.]+ ms, int8 [\d.]+ ms .*disable_quant_qdq=1 [\d.]+ ms/,
    );
    expect(outputs.none).not.toMatch(/int8/);
    // The float32 ONNX model is fed what the tfjs classifier is, so it scores the same.
    const tfjsAccuracy = outputs.tfjs?.match(/accuracy on 9 images .*: float32 ([\d.]+%)/)?.[1];
    const onnxAccuracy = outputs.int8?.match(/accuracy float32 ([\d.]+%)/)?.[1];
    expect(tfjsAccuracy).toBeDefined();
    expect(onnxAccuracy).toBe(tfjsAccuracy);
  });

  it('refuses a tfjs quantization with --format onnx, naming the choices', async () => {
    const run = join(project(), 'run');
    const result = await runInProcess('export', run, '--format', 'onnx', '--quantize', 'uint8');
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toMatch(/--quantize.*int8.*uint8/s);
  });
});
