import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  InvalidArgumentError,
  normalizePixels,
  type Preprocessing,
  resizeImage,
} from '@graft/core';
import { decodePixels } from '@graft/datasets/node';
import { Classifier } from '@graft/trainer';
import { teachableMachineBaseName, writeTeachableMachineClassifier } from '@graft/trainer/testing';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess as run } from '../testing/run-in-process.js';
import { writeOnnxExport } from './export-onnx.js';

// In-process `graft train` (MobileNetV2 0.35, 1 epoch, 3 + 3 ants/bees per split), `graft export --format
// onnx`, then the exported model run by onnxruntime-node on real photos against `graft predict`.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const python = '/usr/bin/python3';
let directory: string;
let runRoot: string;
let exportDir: string;
let photos: string[];

/** `count` val photos of a class in the shared ants/bees set, in name order. */
async function valPhotos(className: string, count: number): Promise<string[]> {
  const folder = join(shared, 'data', 'hymenoptera', 'val', className);
  const names = (await readdir(folder)).filter((name) => name.endsWith('.jpg')).sort();
  return names.slice(0, count).map((name) => join(folder, name));
}

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-export-onnx-'));
  const data = join(directory, 'data');
  for (const split of ['train', 'val']) {
    for (const className of ['ants', 'bees']) {
      const from = join(shared, 'data', 'hymenoptera', split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const name of files.slice(0, 3)) {
        await copyFile(join(from, name), join(data, split, className, name));
      }
    }
  }
  runRoot = join(directory, 'run');
  const trained = await run(
    'train',
    data,
    '--backbone',
    'mobilenet_v2_0.35_224',
    '--epochs',
    '1',
    '--batch-size',
    '4',
    '--extraction-workers',
    '1',
    '--out',
    runRoot,
  );
  expect(trained.code, trained.stderr).toBe(exitCodes.success);
  photos = [...(await valPhotos('ants', 4)), ...(await valPhotos('bees', 4))];
  exportDir = join(directory, 'onnx');
  const exported = await run('--json', 'export', runRoot, '--format', 'onnx', '--out', exportDir);
  expect(exported.code, exported.stderr).toBe(exitCodes.success);
}, 300_000);

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

/**
 * Largest |onnxruntime-node − graft predict| over {@link photos}: predict on `source` (a run or
 * classifier directory); the ONNX side is a downstream app with only the exported files,
 * preprocessing as metadata.json describes it (docs/preprocessing.md: Pillow-exact resize, then
 * the float32 multiply-add).
 */
async function largestDifferenceFromPredict(source: string, exported: string): Promise<number> {
  const predicted = await run('--json', 'predict', source, ...photos, '--top', '2');
  expect(predicted.code, predicted.stderr).toBe(exitCodes.success);
  const expected = (
    JSON.parse(predicted.stdout) as { top: { className: string; probability: number }[] }[]
  ).map((row) => Object.fromEntries(row.top.map((entry) => [entry.className, entry.probability])));
  const metadata = JSON.parse(await readFile(join(exported, 'metadata.json'), 'utf8')) as {
    labels: string[];
    graft: { preprocessing: Preprocessing };
  };
  const preprocessing = metadata.graft.preprocessing;
  const [height, width] = preprocessing.inputSize;
  const input = new Float32Array(photos.length * height * width * 3);
  for (const [index, photo] of photos.entries()) {
    const decoded = await decodePixels(await readFile(photo), photo);
    const pixels = resizeImage(decoded, {
      imageSize: preprocessing.inputSize,
      resize: preprocessing.resize,
    });
    input.set(normalizePixels(pixels, preprocessing), index * height * width * 3);
  }
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(exported, 'model.onnx'));
  const outputs = await session.run({
    [session.inputNames[0] as string]: new ort.Tensor('float32', input, [
      photos.length,
      height,
      width,
      3,
    ]),
  });
  const probabilities = outputs[session.outputNames[0] as string]?.data as Float32Array;
  await session.release();
  expect(probabilities).toHaveLength(photos.length * metadata.labels.length);
  let largest = 0;
  for (const [index, row] of expected.entries()) {
    for (const [column, label] of metadata.labels.entries()) {
      const value = probabilities[index * metadata.labels.length + column] as number;
      largest = Math.max(largest, Math.abs(value - (row[label] as number)));
    }
  }
  return largest;
}

describe('graft export --format onnx', () => {
  it('writes model.onnx and metadata.json with the labels and preprocessing graft predict uses', async () => {
    expect((await readdir(exportDir)).sort()).toEqual(['metadata.json', 'model.onnx']);
    const metadata = JSON.parse(await readFile(join(exportDir, 'metadata.json'), 'utf8'));
    const trained = JSON.parse(await readFile(join(runRoot, 'model', 'metadata.json'), 'utf8'));
    expect(metadata.labels).toEqual(['ants', 'bees']);
    expect(metadata.graft.preprocessing).toEqual(trained.graft.preprocessing);
    expect(metadata.graft.onnx).toEqual({
      file: 'model.onnx',
      inputLayout: 'NHWC',
      inputShape: [null, 224, 224, 3],
    });
  });

  it('gives the probabilities graft predict gives, run by onnxruntime-node (within 1e-4)', async () => {
    const largest = await largestDifferenceFromPredict(runRoot, exportDir);
    console.log(
      `onnxruntime-node vs graft predict, ${photos.length} photos: largest probability difference ${largest}`,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
  });

  it('exports a genuine Teachable Machine classifier directory with its preprocessing (within 1e-4)', async () => {
    const tmDirectory = join(directory, 'my-tm-model');
    await writeTeachableMachineClassifier({
      directory: tmDirectory,
      baseDirectory: join(shared, 'weights', 'teachable-machine', teachableMachineBaseName),
      labels: ['ants', 'bees'],
    });
    const out = join(directory, 'tm-onnx');
    const exported = await run('export', tmDirectory, '--format', 'onnx', '--out', out);
    expect(exported.code, exported.stderr).toBe(exitCodes.success);
    expect(exported.stdout).toMatch(
      /model\.onnx \([\d.]+ MiB\): input \[null,224,224,3\] float32 NHWC → \[null, 2\] probabilities/,
    );
    expect(exported.stdout).toContain('labels ants, bees');
    const metadata = JSON.parse(await readFile(join(out, 'metadata.json'), 'utf8'));
    // Teachable Machine's x / 127 - 1, recorded when the directory was read.
    expect(metadata.graft.preprocessing.inputRange).toEqual([-1, 128 / 127]);
    const largest = await largestDifferenceFromPredict(tmDirectory, out);
    console.log(
      `Teachable Machine classifier, onnxruntime-node vs graft predict, ${photos.length} photos: largest probability difference ${largest}`,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
  });

  it('rejects an unknown format, naming the valid ones, and writes nothing', async () => {
    const out = join(directory, 'nothing');
    const result = await run('export', runRoot, '--format', 'pytorch', '--out', out);
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toContain('--format');
    expect(result.stderr).toContain('pytorch');
    expect(result.stderr).toContain('tfjs, onnx');
    expect(existsSync(out)).toBe(false);
  });

  it('still writes the tfjs layout by default', async () => {
    const out = join(directory, 'tfjs');
    const result = await run('export', runRoot, '--out', out);
    expect(result.code, result.stderr).toBe(exitCodes.success);
    expect((await readdir(out)).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
  });
});

describe('writeOnnxExport', () => {
  it('refuses a classifier with a layer the converter lacks, naming it, and writes nothing', async () => {
    const input = tfl.input({ shape: [8, 3] });
    const convolved = tfl.layers
      .conv1d({ filters: 2, kernelSize: 3, name: 'my_conv1d' })
      .apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(convolved) as tfl.SymbolicTensor;
    const probabilities = tfl.layers
      .dense({ units: 2, activation: 'softmax' })
      .apply(flat) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: probabilities });
    const trained = JSON.parse(await readFile(join(runRoot, 'model', 'metadata.json'), 'utf8'));
    const classifier = new Classifier({ model, metadata: trained });
    const out = join(directory, 'refused');
    try {
      await expect(writeOnnxExport({ classifier, directory: out })).rejects.toThrow(
        /--format.*my_conv1d.*--format tfjs exports any classifier/s,
      );
      await expect(writeOnnxExport({ classifier, directory: out })).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    } finally {
      classifier.dispose();
    }
    expect(existsSync(out)).toBe(false);
  });
});

// Python's ONNX package (Debian's python3-onnx, listed in .ci/apt-packages.txt) checks the file
// as any Python consumer would load it. Skipped with a warning where it is not installed, except
// in CI (`.ci/run` sets CI=true and installs it), where a missing package fails the test.
const pythonOnnx = existsSync(python) && spawnSync(python, ['-c', 'import onnx']).status === 0;
const pythonOnnxRequired = process.env.CI === 'true';
if (!pythonOnnx && !pythonOnnxRequired) {
  console.warn(
    `Skipping the Python ONNX check: ${python} has no onnx (apt-get install python3-onnx).`,
  );
}

describe.runIf(pythonOnnx || pythonOnnxRequired)(
  "graft export --format onnx, read by Python's onnx",
  () => {
    it('passes onnx.checker (full check) with a dynamic batch and self-describing metadata_props', async () => {
      if (!pythonOnnx) {
        throw new Error(
          `${python} cannot import onnx: apt-get install python3-onnx (.ci/apt-packages.txt)`,
        );
      }
      const script = [
        'import json, sys, onnx',
        'model = onnx.load(sys.argv[1])',
        'onnx.checker.check_model(model, full_check=True)',
        'onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)',
        'props = {p.key: p.value for p in model.metadata_props}',
        'dims = lambda value: [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]',
        'print(json.dumps({"ir": model.ir_version, "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")],',
        '  "input": dims(model.graph.input[0]), "output": dims(model.graph.output[0]),',
        '  "labels": json.loads(props["labels"]), "preprocessing": json.loads(props["preprocessing"]),',
        '  "layout": props["input_layout"], "metadata": json.loads(props["graft_metadata"])}))',
      ].join('\n');
      const { stdout } = await promisify(execFile)(python, [
        '-c',
        script,
        join(exportDir, 'model.onnx'),
      ]);
      const report = JSON.parse(stdout) as {
        input: (string | number)[];
        output: (string | number)[];
        labels: string[];
        preprocessing: unknown;
        layout: string;
        metadata: unknown;
      };
      const metadata = JSON.parse(await readFile(join(exportDir, 'metadata.json'), 'utf8'));
      expect(typeof report.input[0]).toBe('string');
      expect(report.input.slice(1)).toEqual([224, 224, 3]);
      expect(report.output.slice(1)).toEqual([2]);
      expect(report.labels).toEqual(['ants', 'bees']);
      expect(report.preprocessing).toEqual(metadata.graft.preprocessing);
      expect(report.layout).toBe('NHWC');
      expect(report.metadata).toEqual(metadata);
    });
  },
);
