import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageClassifier } from '@graft/predictor';
import { loadClassifier } from '@graft/predictor/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';
import { createPredictionServer, type PredictionServer } from './create-prediction-server.js';

// `graft serve` on ONNX Runtime, through real HTTP: a run's model converted at start
// (`--engine onnx`) and `graft export --format onnx` folders (float32, int8) served as they are,
// against the run served on tfjs.
const project = useTinyProject({ name: 'serve-onnx', images: { train: 4, val: 2 } });
let run = '';
let files: Buffer[];
const servers: { server: PredictionServer; classifier: ImageClassifier; base: string }[] = [];

type Answer = { label: string; probability: number }[][];

async function serve(directory: string, engine?: 'onnx'): Promise<string> {
  const classifier = await loadClassifier(directory, {
    maximumPixels: 1_000_000,
    threads: 1,
    ...(engine === undefined ? {} : { engine }),
  });
  const server = createPredictionServer({
    classifier,
    modelInfo: { directory },
    maxBatch: 4,
    maxWaitMs: 2,
    maxQueue: 64,
    bodyLimit: 64 * 1024,
    maxImages: 8,
    timeoutMs: 30_000,
    defaultTop: 3,
  });
  await server.warmUp();
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  servers.push({ server, classifier, base });
  return base;
}

/** Each val image in its own request, all in flight at once (so batches form). */
async function answers(base: string): Promise<Answer> {
  return Promise.all(
    files.map(async (bytes) => {
      const response = await fetch(`${base}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(bytes),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { predictions: { top: Answer[number] }[] };
      return body.predictions[0]?.top ?? [];
    }),
  );
}

function expectClose(actual: Answer, expected: Answer, tolerance: number): void {
  expect(actual.map((image) => image.map((entry) => entry.label))).toEqual(
    expected.map((image) => image.map((entry) => entry.label)),
  );
  actual.forEach((image, row) => {
    image.forEach((entry, rank) => {
      const reference = expected[row]?.[rank]?.probability ?? Number.NaN;
      expect(Math.abs(entry.probability - reference)).toBeLessThanOrEqual(tolerance);
    });
  });
}

beforeAll(async () => {
  run = (await trainTinyRun(project(), 'run')).out;
  for (const [out, extra] of [
    ['onnx', []],
    ['onnx-int8', ['--quantize', 'int8']],
  ] as const) {
    const result = await runInProcess(
      'export',
      run,
      '--format',
      'onnx',
      '--out',
      join(project(), out),
      ...extra,
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
  }
  files = [];
  for (const label of ['red', 'green', 'blue']) {
    const folder = join(project(), 'data', 'val', label);
    for (const name of (await readdir(folder)).sort()) {
      files.push(await readFile(join(folder, name)));
    }
  }
}, 120_000);

afterAll(async () => {
  for (const { server, classifier } of servers) {
    await server.close();
    await classifier.dispose();
  }
});

describe('graft serve on ONNX Runtime', () => {
  it('answers as the tfjs run does (1e-5): the run converted, and its float32 ONNX export folder', async () => {
    const reference = await answers(await serve(join(run, 'model')));
    expect(reference.flat().length).toBe(files.length * 3);
    expectClose(await answers(await serve(join(run, 'model'), 'onnx')), reference, 1e-5);
    const exported = await serve(join(project(), 'onnx'));
    expectClose(await answers(exported), reference, 1e-5);
    const model = (await (await fetch(`${exported}/v1/model`)).json()) as Record<string, unknown>;
    expect(model.engine).toBe('onnx');
    expect(model.labels).toEqual(['blue', 'green', 'red']);
    expect(model.inputSize).toEqual([16, 16]);
  });

  it('serves the int8 export folder with its own model and the same labels', async () => {
    const float32 = await answers(await serve(join(project(), 'onnx')));
    const int8 = await answers(await serve(join(project(), 'onnx-int8')));
    // Quantized weights move probabilities a little; the top label stays on these images.
    int8.forEach((image, row) => {
      expect(image[0]?.label).toBe(float32[row]?.[0]?.label);
      expect(
        Math.abs((image[0]?.probability ?? 0) - (float32[row]?.[0]?.probability ?? 1)),
      ).toBeLessThan(0.1);
    });
  });

  it('refuses --engine tfjs on an ONNX export folder, naming the flag, value and choices', async () => {
    const result = await runInProcess('serve', join(project(), 'onnx'), '--engine', 'tfjs');
    expect(result.code).toBe(exitCodes.usage);
    expect(result.stderr).toMatch(/--engine/);
    expect(result.stderr).toMatch(/tfjs/);
    expect(result.stderr).toMatch(/auto, tfjs, onnx/);
  });
});
