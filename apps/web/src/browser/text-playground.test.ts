import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import { loadUseLiteFromDirectory, resolveUseLiteDirectory } from '@graft/backbones/node';
import { exportClassifierToOnnx } from '@graft/onnx';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { browserTestsEnabled, launchChromium } from '../testing/launch-chromium.js';
import { writeTextClassifier } from '../testing/write-text-classifier.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(packageRoot, 'dist', 'app');
const classNames = ['computers', 'politics', 'food'];
const texts = [
  'The compiler crashed while linking the kernel.',
  'Vote for the senator who lowers taxes.',
];

// Typed text in the playground: a text classifier from the runs dir, then its ONNX export; USE
// lite fetched from the server's /text-encoders/use-lite/ and run in Debian's Chromium on the wasm
// backend, against graft predict's path in Node (embeddings as a Float32Array, padded to
// [N, 1, 171, 3], the classifier's predictProbabilities).
describe.runIf(browserTestsEnabled)('playground with a text classifier in Debian Chromium', () => {
  let root: string;
  let server: DashboardServer;
  let browser: BrowserContext;
  const expected: number[][] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    if (!existsSync(join(appDir, 'index.html'))) {
      const { build } = await import('vite');
      await build({
        configFile: join(packageRoot, 'vite.config.ts'),
        root: join(packageRoot, 'app'),
        logLevel: 'warn',
      });
    }
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'graft-web-text-'));
    const encoder = await loadUseLiteFromDirectory(await resolveUseLiteDirectory());
    try {
      await writeTextClassifier({
        runDir: join(root, 'runs', 'text-run'),
        classNames,
        weightsId: encoder.weightsId,
        seed: 4,
      });
      const classifier = await loadClassifier(join(root, 'runs', 'text-run', 'model'));
      const embedded = await encoder.embed(texts);
      const embeddings = await embedded.data();
      embedded.dispose();
      const probabilities = tf.tidy(() =>
        classifier.predictProbabilities(
          tf.reshape(
            tf.pad(tf.tensor2d(embeddings, [texts.length, 512]), [
              [0, 0],
              [0, 1],
            ]),
            [texts.length, 1, 171, 3],
          ) as tf.Tensor4D,
        ),
      );
      expected.push(...((await probabilities.array()) as number[][]));
      probabilities.dispose();
      // Its ONNX export (graft export --format onnx of a text run: the classifier from the
      // embedding on, the encoder named in metadata.json).
      const exported = exportClassifierToOnnx({
        model: classifier.model,
        metadata: classifier.metadata,
      });
      await mkdir(join(root, 'onnx'), { recursive: true });
      await writeFile(join(root, 'onnx', 'model.onnx'), exported.model);
      await writeFile(join(root, 'onnx', 'metadata.json'), JSON.stringify(exported.metadata));
      classifier.dispose();
    } finally {
      encoder.dispose();
    }
    server = await startDashboardServer({ runsDir: join(root, 'runs') });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('classifies typed text with the probabilities graft predict gives (within 1e-4)', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}?backend=wasm#playground`);
    await page.locator('#playground-run option[value="text-run"]').waitFor({ state: 'attached' });
    await page.selectOption('#playground-run', 'text-run');
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect
      .poll(() => page.locator('#playground-model-status').textContent())
      .toMatch(/^Loaded text-run: 3 classes \(computers, politics, food\), text/);
    expect(await page.locator('#playground-images').isVisible()).toBe(false);
    await page.fill('#playground-text', texts.join('\n'));
    expect(await classifyAndCompare(page, expected)).toBeLessThanOrEqual(1e-4);
    expect(await page.locator('#playground-text-status').textContent()).toMatch(
      /^Encoder use-lite:sha256:[0-9a-f]{16} /,
    );
    // The ONNX export on onnxruntime-web: the same encoder (kept by the page), float input.
    await page.evaluate(() =>
      document.querySelector('#playground-text-results')?.replaceChildren(),
    );
    await page.setInputFiles('#playground-model-files', [
      join(root, 'onnx', 'model.onnx'),
      join(root, 'onnx', 'metadata.json'),
    ]);
    await expect
      .poll(() => page.locator('#playground-model-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Loaded model\.onnx \(onnxruntime-web, wasm\): 3 classes .*, text/);
    expect(await classifyAndCompare(page, expected)).toBeLessThanOrEqual(1e-4);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 240_000);
});

/** Clicks Classify text and returns the largest difference from `expected` (graft predict). */
async function classifyAndCompare(page: Page, expected: number[][]): Promise<number> {
  await page.getByRole('button', { name: 'Classify text' }).click();
  // Polls the results, or the error the status shows (so a failure names its cause).
  await expect
    .poll(
      async () =>
        (await page.locator('#playground-text-status .error').count()) > 0
          ? await page.locator('#playground-text-status').textContent()
          : await page.locator('#playground-text-results > li').count(),
      { timeout: 120_000 },
    )
    .toBe(texts.length);
  const shown = await page
    .locator('#playground-text-results > li')
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
  // Results are prepended: the last text is the first item.
  shown.reverse();
  let largest = 0;
  texts.forEach((_, row) => {
    classNames.forEach((className, column) => {
      const difference = Math.abs(
        (shown[row]?.[className] ?? Number.NaN) - (expected[row]?.[column] ?? Number.NaN),
      );
      largest = Math.max(largest, Number.isNaN(difference) ? Infinity : difference);
    });
  });
  console.log(
    `text playground vs graft predict (${await page.locator('#playground-model-status').textContent()}), ${texts.length} texts: largest difference ${largest}`,
  );
  return largest;
}
