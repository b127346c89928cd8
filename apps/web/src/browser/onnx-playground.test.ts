import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import { exportClassifierToOnnx } from '@graft/onnx';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { browserTestsEnabled, launchChromium } from '../testing/launch-chromium.js';
import { sharedPhotos, writePhotoClassifier } from '../testing/write-photo-classifier.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(packageRoot, 'dist', 'app');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '/work/shared';

// The playground with an ONNX export (model.onnx + metadata.json, as `graft export --format onnx`
// writes them through exportClassifierToOnnx) run by onnxruntime-web in Debian's Chromium.
describe.runIf(browserTestsEnabled)('playground with an ONNX model in Debian Chromium', () => {
  let root: string;
  let server: DashboardServer;
  let browser: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
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
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('gives the probabilities graft predict gives, on real photos (within 1e-4)', async () => {
    const runDir = join(root, 'photo-model');
    await writePhotoClassifier({ runDir, sharedDir, perClass: 8 });
    const images = [
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'ants', count: 3 })),
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'bees', count: 3 })),
    ];

    // graft predict's path: the classifier directory, decoded and resized by the Node pipeline.
    const classifier = await loadClassifier(join(runDir, 'model'));
    const preprocessing = classifier.metadata.graft.preprocessing;
    const expected: number[][] = [];
    const dataset = new FileImageDataset({
      files: images.map((path) => ({ path, label: 0 })),
      classNames: classifier.labels,
      imageSize: preprocessing.inputSize,
      resize: preprocessing.resize,
    });
    for await (const batch of dataset.batches({ batchSize: 3 })) {
      const probabilities = classifier.predictProbabilities(batch.images);
      expected.push(...((await probabilities.array()) as number[][]));
      probabilities.dispose();
      disposeBatch(batch);
    }
    const tensorsBefore = tf.memory().numTensors;
    const exported = exportClassifierToOnnx({
      model: classifier.model,
      metadata: classifier.metadata,
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    classifier.dispose();
    const exportDir = join(root, 'onnx');
    await rm(exportDir, { recursive: true, force: true });
    await mkdir(exportDir, { recursive: true });
    await writeFile(join(exportDir, 'model.onnx'), exported.model);
    await writeFile(join(exportDir, 'metadata.json'), JSON.stringify(exported.metadata));

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page.setInputFiles('#playground-model-files', [
      join(exportDir, 'model.onnx'),
      join(exportDir, 'metadata.json'),
    ]);
    await expect
      .poll(() => page.locator('#playground-model-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Loaded model\.onnx \(onnxruntime-web, (wasm|webgpu)\): 2 classes/);
    const status = await page.locator('#playground-model-status').textContent();
    await page.setInputFiles('#playground-images', images);
    const rows = page.locator('#playground-results > li');
    await expect
      .poll(() => page.locator('#playground-results > li .topk').count(), { timeout: 60_000 })
      .toBe(images.length);
    // Results are prepended: the last picked image is the first item.
    const shown = await rows.evaluateAll((items) =>
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
    images.forEach((_, index) => {
      const [ants, bees] = expected[index] as [number, number];
      const row = shown[index] as Record<string, number>;
      largest = Math.max(
        largest,
        Math.abs((row.ants as number) - ants),
        Math.abs((row.bees as number) - bees),
      );
    });
    console.log(
      `onnxruntime-web in Chromium (${status}) vs graft predict, ${images.length} photos: largest probability difference ${largest}`,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('asks for metadata.json when only model.onnx is picked', async () => {
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
  });
});
