import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizePixels, resizeImage } from '@graft/core';
import { decodePixels } from '@graft/datasets/node';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { testBackboneName } from '../testing/test-backbone.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { encodeBmp } from '../testing/write-test-images.js';

// Two tiny runs with the same seed, one calibrated (the default) and one not, then the
// calibrated model through every entry point (library, predict, tfjs export, ONNX export) and
// eval/predict --tta against hand-computed averages.
const project = useTinyProject({ name: 'calibration-tta', images: { train: 6, val: 6 } });
const tolerance = 1e-4;
let calibrated = '';
let plain = '';
const images: string[] = [];

const trainFlags = [
  ...['--backbone', testBackboneName, '--weights', 'none', '--epochs', '3', '--lr', '0.3'],
  ...['--batch-size', '6', '--extraction-workers', '1', '--seed', '4'],
];

/** `graft predict --json` probabilities per image, in label order. */
async function predicted(model: string, files: string[], ...flags: string[]) {
  const result = await run('--json', 'predict', model, ...files, '--top', '3', ...flags);
  expect(result.code, result.stderr).toBe(exitCodes.success);
  const rows = JSON.parse(result.stdout) as Array<{
    top: Array<{ className: string; probability: number }>;
  }>;
  return rows.map((row) =>
    ['blue', 'green', 'red'].map(
      (name) => row.top.find((entry) => entry.className === name)?.probability as number,
    ),
  );
}

function largestDifference(a: number[][], b: number[][]): number {
  let largest = 0;
  a.forEach((row, index) => {
    row.forEach((value, column) => {
      largest = Math.max(largest, Math.abs(value - (b[index]?.[column] as number)));
    });
  });
  return largest;
}

beforeAll(async () => {
  calibrated = join(project(), 'calibrated');
  plain = join(project(), 'plain');
  const data = join(project(), 'data');
  const first = await run('train', data, ...trainFlags, '--out', calibrated);
  expect(first.code, first.stderr).toBe(exitCodes.success);
  const second = await run('train', data, ...trainFlags, '--no-calibrate', '--out', plain);
  expect(second.code, second.stderr).toBe(exitCodes.success);
  const folder = join(data, 'val');
  for (const name of ['blue', 'green', 'red']) {
    const files = (await readdir(join(folder, name))).sort().slice(0, 2);
    images.push(...files.map((file) => join(folder, name, file)));
  }
}, 300_000);

describe('graft train --calibrate', () => {
  it('records the temperature in report.json and the metadata and draws plots/reliability.svg', async () => {
    const report = JSON.parse(await readFile(join(calibrated, 'report.json'), 'utf8'));
    const metadata = JSON.parse(await readFile(join(calibrated, 'model', 'metadata.json'), 'utf8'));
    expect(report.calibration.applied).toBe(true);
    expect(report.calibration.images).toBe(18);
    expect(metadata.graft.calibration).toMatchObject({
      method: 'temperature-scaling',
      appliedTo: 'output-layer-weights',
      bins: 15,
      temperature: report.calibration.temperature,
    });
    expect(report.calibration.negativeLogLikelihood.after).toBeLessThanOrEqual(
      report.calibration.negativeLogLikelihood.before,
    );
    const svg = await readFile(join(calibrated, 'plots', 'reliability.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('ECE');
    // --no-calibrate: nothing fitted, nothing recorded, no diagram.
    const plainReport = JSON.parse(await readFile(join(plain, 'report.json'), 'utf8'));
    const plainMetadata = JSON.parse(await readFile(join(plain, 'model', 'metadata.json'), 'utf8'));
    expect(plainReport.calibration).toBeUndefined();
    expect(plainMetadata.graft.calibration).toBeUndefined();
    expect(await readdir(join(plain, 'plots'))).not.toContain('reliability.svg');
  });

  it('gives the same calibrated probability through library, predict, tfjs export and ONNX export', async () => {
    const metadata = JSON.parse(await readFile(join(calibrated, 'model', 'metadata.json'), 'utf8'));
    const temperature = metadata.graft.calibration.temperature as number;
    const fromPredict = await predicted(calibrated, images);
    // The uncalibrated twin (same seed, same training) with T applied by hand: what every entry
    // point must give. The labels are sorted: blue, green, red.
    const uncalibrated = await predicted(plain, images);
    const expected = uncalibrated.map((row) => {
      const scaled = row.map((value) => Math.exp(Math.log(value) / temperature));
      const sum = scaled.reduce((total, value) => total + value, 0);
      return scaled.map((value) => value / sum);
    });
    expect(Math.abs(temperature - 1)).toBeGreaterThan(0.01);
    expect(largestDifference(uncalibrated, fromPredict)).toBeGreaterThan(1e-3);
    expect(largestDifference(expected, fromPredict)).toBeLessThanOrEqual(tolerance);

    // Library: loadClassifier on the run's model, decoded pixels.
    const classifier = await loadClassifier(join(calibrated, 'model'));
    const fromLibrary: number[][] = [];
    for (const image of images) {
      const decoded = await decodePixels(await readFile(image), image);
      const pixels = tf.tensor3d(decoded.data, [decoded.height, decoded.width, 3], 'int32');
      const probabilities = classifier.predictProbabilities(pixels);
      fromLibrary.push(Array.from(await probabilities.data()));
      tf.dispose([pixels, probabilities]);
    }
    classifier.dispose();
    expect(largestDifference(fromLibrary, fromPredict)).toBeLessThanOrEqual(tolerance);

    // tfjs (Teachable Machine layout) export, reloaded.
    const tfjsExport = join(project(), 'export-tfjs');
    const exported = await run('export', calibrated, '--out', tfjsExport);
    expect(exported.code, exported.stderr).toBe(exitCodes.success);
    const exportedMetadata = JSON.parse(await readFile(join(tfjsExport, 'metadata.json'), 'utf8'));
    expect(exportedMetadata.graft.calibration.temperature).toBe(temperature);
    expect(largestDifference(await predicted(tfjsExport, images), fromPredict)).toBeLessThanOrEqual(
      tolerance,
    );

    // ONNX export through onnxruntime-node, fed the documented preprocessing.
    const onnxExport = join(project(), 'export-onnx');
    const onnx = await run('export', calibrated, '--format', 'onnx', '--out', onnxExport);
    expect(onnx.code, onnx.stderr).toBe(exitCodes.success);
    const preprocessing = metadata.graft.preprocessing;
    const [height, width] = preprocessing.inputSize as [number, number];
    const input = new Float32Array(images.length * height * width * 3);
    for (const [index, image] of images.entries()) {
      const decoded = await decodePixels(await readFile(image), image);
      const pixels = resizeImage(decoded, {
        imageSize: preprocessing.inputSize,
        resize: preprocessing.resize,
      });
      input.set(normalizePixels(pixels, preprocessing), index * height * width * 3);
    }
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(onnxExport, 'model.onnx'));
    const outputs = await session.run({
      [session.inputNames[0] as string]: new ort.Tensor('float32', input, [
        images.length,
        height,
        width,
        3,
      ]),
    });
    const values = outputs[session.outputNames[0] as string]?.data as Float32Array;
    await session.release();
    const fromOnnx = images.map((_, index) =>
      Array.from(values.subarray(index * 3, index * 3 + 3)),
    );
    expect(largestDifference(fromOnnx, fromPredict)).toBeLessThanOrEqual(tolerance);
  });
});

describe('graft eval|predict --tta', () => {
  it('predict --tta flip averages the image and its mirror image', async () => {
    // A mirror copy of each image, written by hand (16×16 BMP: decoded exactly, at input size).
    const mirrors: string[] = [];
    for (const [index, image] of images.entries()) {
      const decoded = await decodePixels(await readFile(image), image);
      const flipped = new Uint8Array(decoded.data.length);
      for (let row = 0; row < decoded.height; row++) {
        for (let column = 0; column < decoded.width; column++) {
          for (let channel = 0; channel < 3; channel++) {
            flipped[(row * decoded.width + column) * 3 + channel] = decoded.data[
              (row * decoded.width + decoded.width - 1 - column) * 3 + channel
            ] as number;
          }
        }
      }
      const file = join(project(), `mirror-${index}.bmp`);
      await writeFile(file, encodeBmp(flipped, decoded.width, decoded.height));
      mirrors.push(file);
    }
    const original = await predicted(calibrated, images);
    const mirrored = await predicted(calibrated, mirrors);
    const expected = original.map((row, index) =>
      row.map((value, column) => (value + (mirrored[index]?.[column] as number)) / 2),
    );
    const augmented = await predicted(calibrated, images, '--tta', 'flip');
    expect(largestDifference(augmented, expected)).toBeLessThanOrEqual(1e-6);
    expect(largestDifference(original, mirrored)).toBeGreaterThan(1e-4);
  });

  it('eval --tta shows the plain and augmented metrics side by side', async () => {
    const data = join(project(), 'data');
    const json = await run(
      '--json',
      'eval',
      calibrated,
      data,
      '--split',
      'val',
      '--tta',
      'flip+crops',
    );
    expect(json.code, json.stderr).toBe(exitCodes.success);
    const report = JSON.parse(json.stdout);
    const without = await run('--json', 'eval', calibrated, data, '--split', 'val');
    const plainReport = JSON.parse(without.stdout);
    expect(report.accuracy).toBe(plainReport.accuracy);
    expect(report.expectedCalibrationError).toBe(plainReport.expectedCalibrationError);
    expect(plainReport.testTimeAugmentation).toBeUndefined();
    expect(report.testTimeAugmentation).toMatchObject({ views: 'flip+crops' });
    expect(report.testTimeAugmentation.accuracy).toBeGreaterThanOrEqual(0);
    const text = await run('eval', calibrated, data, '--split', 'val', '--tta', 'flip');
    expect(text.code, text.stderr).toBe(exitCodes.success);
    expect(text.stdout).toMatch(/plain\s+tta flip/);
    expect(text.stdout).toMatch(/ECE \(15 bins\)/);
    const bad = await run('eval', calibrated, data, '--tta', 'rotate');
    expect(bad.code).toBe(exitCodes.usage);
    expect(bad.stderr).toMatch(/--tta.*flip, flip\+crops.*rotate/s);
  });
});
