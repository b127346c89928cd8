import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeOnnxModel } from '@graft/onnx';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

// `graft export --format onnx --quantize int8` (calibrated QDQ) and `int8-weights` on a tiny
// run, read back by onnxruntime-node beside the float32 export of the same run.
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
  const evalFlags = ['--eval-data', join(project(), 'data')];
  const exports: Record<string, string[]> = {
    none: [],
    int8: ['--quantize', 'int8', ...evalFlags],
    'int8-weights': ['--quantize', 'int8-weights', ...evalFlags],
    // Same seed as int8's default (0), then another seed and sample size: no evaluation.
    'int8-again': ['--quantize', 'int8', '--calibration-seed', '0'],
    'int8-seed-5': ['--quantize', 'int8', '--calibration-seed', '5', '--calibration-images', '2'],
    'int8-percentile': ['--quantize', 'int8', '--calibration-method', 'percentile'],
  };
  for (const [name, flags] of Object.entries(exports)) {
    const out = join(project(), `onnx-${name}`);
    const result = await runInProcess('export', run, '--format', 'onnx', '--out', out, ...flags);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    outputs[name] = result.stdout;
  }
}, 180_000);

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

const testPixels = Float32Array.from({ length: 4 * 16 * 16 * 3 }, (_, index) =>
  Math.cos(index * 0.11),
);

describe('graft export --format onnx --quantize int8', () => {
  it('writes a QDQ model calibrated on the run’s training images that agrees with float32 on top-1', async () => {
    const float32 = await readFile(join(project(), 'onnx-none', 'model.onnx'));
    const int8 = await readFile(join(project(), 'onnx-int8', 'model.onnx'));
    // No size check here: the tiny backbone's scales, zero points and Q/DQ nodes outweigh what its
    // few weights save (MobileNetV2: 28% of float32, docs/benchmarks.md).
    const operators = describeOnnxModel(int8).operators;
    // Activations are quantized, not only weights.
    expect(operators.QuantizeLinear).toBeGreaterThan(0);
    expect(operators.DequantizeLinear).toBeGreaterThan(operators.QuantizeLinear as number);
    const reference = await probabilities('onnx-none', testPixels);
    const quantized = await probabilities('onnx-int8', testPixels);
    const top = (values: Float32Array, row: number) => {
      const slice = Array.from(values.subarray(row * 3, row * 3 + 3));
      return slice.indexOf(Math.max(...slice));
    };
    const agree = [0, 1, 2, 3].filter((row) => top(reference, row) === top(quantized, row));
    expect(agree.length).toBeGreaterThanOrEqual(3);
    const metadata = JSON.parse(
      await readFile(join(project(), 'onnx-int8', 'metadata.json'), 'utf8'),
    );
    expect(metadata.graft.onnx).toMatchObject({ weights: 'int8', activations: 'uint8' });
    // The model keeps the float32 export's metadata_props (labels, preprocessing).
    expect(describeOnnxModel(int8).metadata).toEqual(describeOnnxModel(float32).metadata);
  });

  it('draws the same calibration images for the same seed, other ones for another seed', async () => {
    const first = await readFile(join(project(), 'onnx-int8', 'model.onnx'));
    const again = await readFile(join(project(), 'onnx-int8-again', 'model.onnx'));
    const other = await readFile(join(project(), 'onnx-int8-seed-5', 'model.onnx'));
    expect(again.equals(first)).toBe(true);
    expect(other.equals(first)).toBe(false);
    expect(outputs['int8-seed-5']).toMatch(/from 2 of \d+ training images \(seed 5\)/);
    expect(outputs['int8-percentile']).toMatch(
      /activation ranges \(99\.999th percentile of \|value\|\) from/,
    );
    const percentile = await readFile(join(project(), 'onnx-int8-percentile', 'model.onnx'));
    expect(describeOnnxModel(percentile).operators.QuantizeLinear).toBeGreaterThan(0);
  });

  it('int8-weights writes a smaller model.onnx that onnxruntime-node runs to nearly the float32 probabilities', async () => {
    const float32 = await readFile(join(project(), 'onnx-none', 'model.onnx'));
    const int8 = await readFile(join(project(), 'onnx-int8-weights', 'model.onnx'));
    // The tiny backbone's weights are small next to the graph itself, so the file shrinks less
    // than the 4x the int8 weights take (MobileNetV2: docs/benchmarks.md).
    expect(int8.length).toBeLessThan(float32.length);
    expect(describeOnnxModel(float32).operators.DequantizeLinear).toBeUndefined();
    expect(describeOnnxModel(int8).operators.DequantizeLinear).toBeGreaterThan(0);
    expect(describeOnnxModel(int8).operators.QuantizeLinear).toBeUndefined();
    const reference = await probabilities('onnx-none', testPixels);
    const quantized = await probabilities('onnx-int8-weights', testPixels);
    const changes = reference.map((value, index) => Math.abs(value - (quantized[index] as number)));
    expect(Math.max(...changes)).toBeGreaterThan(0);
    expect(Math.max(...changes)).toBeLessThan(2e-2);
    const metadata = JSON.parse(
      await readFile(join(project(), 'onnx-int8-weights', 'metadata.json'), 'utf8'),
    );
    expect(metadata.graft.onnx.weights).toBe('int8');
    expect(metadata.graft.onnx.activations).toBeUndefined();
  });

  it('prints the size and, on --eval-data, the accuracy and CPU time of both models', () => {
    expect(outputs.int8).toMatch(
      /static int8 .*: \d+ Conv\/Gemm weights int8 per channel, \d+ activations uint8: .* \(float32 .* MiB, \d+%\)/,
    );
    expect(outputs.int8).toMatch(
      /activation ranges \(min\/max\) from \d+ of \d+ training images \(seed 0\) in .*split-manifest\.json/,
    );
    expect(outputs.int8).toMatch(
      /onnxruntime-node on 9 images of .*: accuracy float32 .*% → int8 .*% \([+-]\d.*same top-1 label on [\d.]+%/,
    );
    expect(outputs.int8).toMatch(
      /CPU time per image \(1 thread, alternating\): float32 [\d.]+ ms, int8 [\d.]+ ms \([\d.]+x\)/,
    );
    expect(outputs['int8-weights']).toMatch(
      /Conv\/Gemm weights stored int8 .* \(float32 .* MiB, \d+%\)/,
    );
    expect(outputs['int8-weights']).toMatch(
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
    expect(result.stderr).toMatch(/int8, int8-weights/);
  });

  it('refuses a calibration sample size that is not a positive whole number, naming the flag', async () => {
    const run = join(project(), 'run');
    const flags = ['--format', 'onnx', '--quantize', 'int8', '--calibration-images', '0'];
    const result = await runInProcess('export', run, ...flags);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toMatch(/--calibration-images.*0/s);
    const weightsOnly = [
      '--format',
      'onnx',
      '--quantize',
      'int8-weights',
      '--calibration-seed',
      '3',
    ];
    const ignored = await runInProcess('export', run, ...weightsOnly);
    expect(ignored.code).toBe(exitCodes.usage);
    expect(ignored.stderr).toMatch(/--calibration-seed.*--quantize int8/s);
    const unknownMethod = [
      '--format',
      'onnx',
      '--quantize',
      'int8',
      '--calibration-method',
      'entropy',
    ];
    const refused = await runInProcess('export', run, ...unknownMethod);
    expect(refused.code).toBe(exitCodes.usage);
    expect(refused.stderr).toMatch(/--calibration-method.*minmax, percentile.*entropy/s);
  });
});
