import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch, normalizeImages } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import { exportClassifierToOnnx } from '@graft/onnx';
import { type CalibrationBatch, loadOnnxRuntime, quantizeOnnxCalibrated } from '@graft/onnx/node';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { browserTestsEnabled, launchChromium } from '../testing/launch-chromium.js';
import { sharedPhotos, writePhotoClassifier } from '../testing/write-photo-classifier.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(packageRoot, 'dist', 'app');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '/work/shared';

// The playground with an ONNX export (model.onnx + metadata.json, as `graft export --format onnx`
// writes them through exportClassifierToOnnx) run by onnxruntime-web in Debian's Chromium: on
// the wasm execution provider (no WebGPU: `--disable-gpu`), and on WebGPU (SwiftShader's adapter).
describe.runIf(browserTestsEnabled)('playground with an ONNX model in Debian Chromium', () => {
  let root: string;
  let server: DashboardServer;
  let exportDir: string;
  let int8Dir: string;
  let images: string[];
  /** graft predict's probabilities per image, `{ ants, bees }`. */
  const expected: Array<Record<string, number>> = [];
  /** onnxruntime-node's probabilities on the calibrated int8 export, per image. */
  const expectedInt8: Array<Record<string, number>> = [];
  const browsers: BrowserContext[] = [];

  beforeAll(async () => {
    // First, so a missing Chromium fails at once with the apt-get hint.
    browsers.push(await launchChromium());
    if (!existsSync(join(appDir, 'index.html'))) {
      // The root `pnpm test` builds first; a lone `vitest run` builds the app here.
      const { build } = await import('vite');
      await build({
        configFile: join(packageRoot, 'vite.config.ts'),
        root: join(packageRoot, 'app'),
        logLevel: 'warn',
      });
    }
    root = await mkdtemp(join(tmpdir(), 'graft-web-onnx-'));
    server = await startDashboardServer({ runsDir: join(root, 'runs') });

    const runDir = join(root, 'photo-model');
    await writePhotoClassifier({ runDir, sharedDir, perClass: 8 });
    images = [
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'ants', count: 3 })),
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'bees', count: 3 })),
    ];
    // graft predict's path: the classifier directory, decoded and resized by the Node pipeline.
    const classifier = await loadClassifier(join(runDir, 'model'));
    try {
      const preprocessing = classifier.metadata.graft.preprocessing;
      const dataset = new FileImageDataset({
        files: images.map((path) => ({ path, label: 0 })),
        classNames: classifier.labels,
        imageSize: preprocessing.inputSize,
        resize: preprocessing.resize,
      });
      for await (const batch of dataset.batches({ batchSize: 3 })) {
        const probabilities = classifier.predictProbabilities(batch.images);
        for (const row of (await probabilities.array()) as number[][]) {
          expected.push(
            Object.fromEntries(
              classifier.labels.map((label, column) => [label, row[column] as number]),
            ),
          );
        }
        probabilities.dispose();
        disposeBatch(batch);
      }
      const tensorsBefore = tf.memory().numTensors;
      const exported = exportClassifierToOnnx({
        model: classifier.model,
        metadata: classifier.metadata,
      });
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      exportDir = join(root, 'onnx');
      await mkdir(exportDir, { recursive: true });
      await writeFile(join(exportDir, 'model.onnx'), exported.model);
      await writeFile(join(exportDir, 'metadata.json'), JSON.stringify(exported.metadata));

      // The calibrated int8 export (`graft export --format onnx --quantize int8`): ranges from
      // training photos, then the val photos run by onnxruntime-node as the expected answers.
      const preprocessingOf = (paths: string[]) =>
        new FileImageDataset({
          files: paths.map((path) => ({ path, label: 0 })),
          classNames: classifier.labels,
          imageSize: preprocessing.inputSize,
          resize: preprocessing.resize,
        });
      async function* normalized(paths: string[]): AsyncIterable<CalibrationBatch> {
        for await (const batch of preprocessingOf(paths).batches({ batchSize: 3 })) {
          const pixels = normalizeImages(batch.images as tf.Tensor4D, preprocessing);
          yield { data: (await pixels.data()) as Float32Array, shape: pixels.shape };
          pixels.dispose();
          disposeBatch(batch);
        }
      }
      const calibrationPhotos = [
        ...(await sharedPhotos({ sharedDir, split: 'train', className: 'ants', count: 6 })),
        ...(await sharedPhotos({ sharedDir, split: 'train', className: 'bees', count: 6 })),
      ];
      const quantized = await quantizeOnnxCalibrated({
        model: exported.model,
        batches: normalized(calibrationPhotos),
      });
      int8Dir = join(root, 'onnx-int8');
      await mkdir(int8Dir, { recursive: true });
      await writeFile(join(int8Dir, 'model.onnx'), quantized.model);
      // As `graft export --quantize int8` records it.
      const int8Metadata = structuredClone(exported.metadata);
      int8Metadata.graft.onnx = {
        ...(int8Metadata.graft.onnx as Record<string, unknown>),
        weights: 'int8',
        activations: 'uint8',
      };
      await writeFile(join(int8Dir, 'metadata.json'), JSON.stringify(int8Metadata));
      const ort = await loadOnnxRuntime();
      const session = await ort.InferenceSession.create(quantized.model);
      try {
        for await (const batch of normalized(images)) {
          const input = new ort.Tensor('float32', batch.data, [...batch.shape]);
          const output = await session.run({ [session.inputNames[0] as string]: input });
          const values = output[session.outputNames[0] as string]?.data as Float32Array;
          const classes = classifier.labels.length;
          for (let row = 0; row < values.length / classes; row++) {
            expectedInt8.push(
              Object.fromEntries(
                classifier.labels.map((label, column) => [
                  label,
                  values[row * classes + column] as number,
                ]),
              ),
            );
          }
        }
      } finally {
        await session.release();
      }
    } finally {
      classifier.dispose();
    }
  }, 300_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** Loads the export in the playground, classifies the photos, returns what was shown. */
  async function classifyInPlayground(
    browser: BrowserContext,
    directory = exportDir,
    answers = expected,
  ): Promise<{
    status: string;
    largest: number;
    pageErrors: string[];
  }> {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page.setInputFiles('#playground-model-files', [
      join(directory, 'model.onnx'),
      join(directory, 'metadata.json'),
    ]);
    await expect
      .poll(() => page.locator('#playground-model-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Loaded model\.onnx \(onnxruntime-web, (wasm|webgpu)\): 2 classes|rror/);
    const status = (await page.locator('#playground-model-status').textContent()) ?? '';
    await page.setInputFiles('#playground-images', images);
    await expect
      .poll(() => page.locator('#playground-results > li .topk').count(), { timeout: 120_000 })
      .toBe(images.length);
    // Results are prepended: the last picked image is the first item.
    const shown = await page
      .locator('#playground-results > li')
      .evaluateAll((items) =>
        items.map((item) =>
          Object.fromEntries(
            [...item.querySelectorAll('.topk > li')].map((entry) => [
              entry.getAttribute('data-label'),
              Number(entry.getAttribute('data-probability')),
            ]),
          ),
        ),
      );
    shown.reverse();
    let largest = 0;
    for (const [index, row] of answers.entries()) {
      for (const [label, probability] of Object.entries(row)) {
        largest = Math.max(largest, Math.abs((shown[index]?.[label] ?? Number.NaN) - probability));
      }
    }
    await page.close();
    return {
      status,
      largest: Number.isNaN(largest) ? Number.POSITIVE_INFINITY : largest,
      pageErrors,
    };
  }

  it('gives the probabilities graft predict gives on the wasm execution provider (within 1e-4)', async () => {
    const { status, largest, pageErrors } = await classifyInPlayground(
      browsers[0] as BrowserContext,
    );
    console.log(
      `onnxruntime-web wasm in Chromium vs graft predict, ${images.length} photos: largest probability difference ${largest}`,
    );
    expect(status).toMatch(
      /^Loaded model\.onnx \(onnxruntime-web, wasm\): 2 classes \(ants, bees\)/,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('runs the calibrated int8 export (QDQ) with the probabilities onnxruntime-node gives it', async () => {
    const { status, largest, pageErrors } = await classifyInPlayground(
      browsers[0] as BrowserContext,
      int8Dir,
      expectedInt8,
    );
    let float32Gap = 0;
    for (const [index, row] of expected.entries()) {
      for (const [label, probability] of Object.entries(row)) {
        float32Gap = Math.max(
          float32Gap,
          Math.abs((expectedInt8[index]?.[label] ?? 0) - probability),
        );
      }
    }
    console.log(
      `int8 export, onnxruntime-web wasm in Chromium vs onnxruntime-node, ${images.length} photos: largest probability difference ${largest} (int8 vs float32 in Node: ${float32Gap})`,
    );
    expect(expectedInt8).toHaveLength(images.length);
    expect(status).toMatch(
      /^Loaded model\.onnx \(onnxruntime-web, wasm\): 2 classes \(ants, bees\)/,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('runs on WebGPU where the browser has an adapter (SwiftShader), same probabilities (within 1e-4)', async () => {
    const browser = await launchChromium({ webgpu: true });
    browsers.push(browser);
    const { status, largest, pageErrors } = await classifyInPlayground(browser);
    console.log(
      `onnxruntime-web WebGPU (SwiftShader) in Chromium vs graft predict, ${images.length} photos: largest probability difference ${largest}`,
    );
    expect(status).toMatch(/^Loaded model\.onnx \(onnxruntime-web, webgpu\): 2 classes/);
    expect(largest).toBeLessThanOrEqual(1e-4);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('asks for metadata.json when only model.onnx is picked', async () => {
    const page = await (browsers[0] as BrowserContext).newPage();
    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page.setInputFiles('#playground-model-files', {
      name: 'model.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([8, 7]),
    });
    await expect
      .poll(() => page.locator('#playground-model-status').textContent())
      .toBe('Pick model.onnx and metadata.json together.');
    await page.close();
  });
});
