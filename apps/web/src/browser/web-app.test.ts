import { existsSync } from 'node:fs';
import {
  appendFile,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch, resizeImage } from '@graft/core';
import { decodePixels, FileImageDataset } from '@graft/datasets/node';
import { predictWithTestTimeAugmentation } from '@graft/trainer';
import { loadClassifier } from '@graft/trainer/node';
import * as tf from '@tensorflow/tfjs-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { browserTestsEnabled, launchChromium } from '../testing/launch-chromium.js';
import { encodeBmp } from '../testing/write-bmp.js';
import { sharedPhotos, writePhotoClassifier } from '../testing/write-photo-classifier.js';
import { writeTestRun } from '../testing/write-test-run.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(packageRoot, 'dist', 'app');
const screenshots = join(packageRoot, 'test-results');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? '/work/shared';

/** Pixels of each chart canvas in a series colour (#2f6f9f or #d0783b): > 0 means a line was drawn. */
function seriesPixels(page: Page, scope: string): Promise<number[]> {
  return page.evaluate((selector) => {
    return [...document.querySelectorAll<HTMLCanvasElement>(selector)].map((canvas) => {
      const context = canvas.getContext('2d');
      if (!context) return -1;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let index = 0; index < data.length; index += 4) {
        const near = (red: number, green: number, blue: number) =>
          Math.abs((data[index] as number) - red) < 16 &&
          Math.abs((data[index + 1] as number) - green) < 16 &&
          Math.abs((data[index + 2] as number) - blue) < 16;
        const close = near(47, 111, 159) || near(208, 120, 59);
        if (close && (data[index + 3] as number) > 200) count++;
      }
      return count;
    });
  }, `${scope} .chart canvas`);
}

describe.runIf(browserTestsEnabled)('web app in Debian Chromium', () => {
  let root: string;
  let runsDir: string;
  let server: DashboardServer;
  let browser: BrowserContext;
  let page: Page;
  let fixture: Awaited<ReturnType<typeof writeTestRun>>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // First, so a missing Chromium fails at once with the apt-get hint.
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
    await mkdir(screenshots, { recursive: true });
    root = await mkdtemp(join(tmpdir(), 'graft-web-browser-'));
    runsDir = join(root, 'runs');
    fixture = await writeTestRun({
      runDir: join(runsDir, 'tiny-a'),
      dataDir: join(root, 'data-a'),
      epochs: 8,
      learningRate: 0.02,
      seed: 1,
    });
    await writeTestRun({
      runDir: join(runsDir, 'tiny-b'),
      dataDir: join(root, 'data-b'),
      epochs: 5,
      learningRate: 0.005,
      seed: 2,
    });
    // A run still training: two epochs, and a half-written third line.
    await mkdir(join(runsDir, 'live', 'logs'), { recursive: true });
    await writeFile(
      join(runsDir, 'live', 'config.json'),
      '{"backbone":"tiny","mode":"feature-extraction"}',
    );
    await writeFile(
      join(runsDir, 'live', 'logs', 'history.jsonl'),
      '{"epoch":1,"loss":1.1,"accuracy":0.4,"learning_rate":0.001}\n{"epoch":2,"loss":0.9,"accuracy":0.55,"learning_rate":0.001}\n{"epoch":3,"lo',
    );
    server = await startDashboardServer({ runsDir });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('shows a run: curves drawn, confusion matrix and per-class table from report.json, the gallery', async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: /tiny-a/ }).click();
    await page.locator('table.confusion').waitFor();
    const report = JSON.parse(await readFile(join(runsDir, 'tiny-a', 'report.json'), 'utf8')) as {
      validation: {
        confusionMatrix: number[][];
        misclassified: unknown[];
        perClass: Array<{ className: string }>;
      };
    };
    const cells = await page.locator('table.confusion tbody td').allTextContents();
    expect(cells.map(Number)).toEqual(report.validation.confusionMatrix.flat());
    const perClassRows = await page.locator('table.per-class tbody th').allTextContents();
    expect(perClassRows).toEqual(report.validation.perClass.map((row) => row.className));
    expect(await page.locator('.gallery > li').count()).toBe(
      Math.min(24, report.validation.misclassified.length),
    );
    const pixels = await seriesPixels(page, '.run-detail');
    expect(pixels).toHaveLength(3);
    for (const count of pixels) expect(count).toBeGreaterThan(50);
    if (report.validation.misclassified.length > 0) {
      await page.waitForFunction(() => {
        const image = document.querySelector<HTMLImageElement>('.gallery img');
        return image?.complete && image.naturalWidth > 0;
      });
    }
    if (report.validation.misclassified.length > 0) {
      // Top-3 computed in the page with the run's exported model.
      await page.getByRole('button', { name: /Top-3 predictions/ }).click();
      await expect
        .poll(() => page.locator('.gallery').locator('..').locator('p span.muted').textContent(), {
          timeout: 20_000,
        })
        .toMatch(/^top-3 of \d+ images/);
      for (const item of await page.locator('.gallery > li').all()) {
        expect(await item.locator('.topk > li').count()).toBe(3);
      }
    }
    await page.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });
  });

  it('follows a run that is still training and skips its malformed log line', async () => {
    await page.goto(server.url);
    await page.getByRole('button', { name: /live/ }).click();
    await expect
      .poll(() => page.locator('.run-detail p.muted').first().textContent())
      .toMatch(/2 epochs · 1 malformed/);
    await appendFile(
      join(runsDir, 'live', 'logs', 'history.jsonl'),
      '\n{"epoch":3,"loss":0.7,"accuracy":0.7,"learning_rate":0.0005}\n',
    );
    await expect
      .poll(() => page.locator('.run-detail p.muted').first().textContent(), { timeout: 10_000 })
      .toMatch(/^3 epochs/);
  });

  it('compares two runs side by side', async () => {
    await page.goto(server.url);
    await page.getByLabel('compare tiny-a').check();
    await page.getByLabel('compare tiny-b').check();
    await page.getByRole('button', { name: 'Compare selected' }).click();
    await expect.poll(() => page.locator('.compare table.confusion').count()).toBe(2);
    const headings = await page.locator('.compare .run-column h2').allTextContents();
    expect(headings.sort()).toEqual(['tiny-a', 'tiny-b']);
    await page.screenshot({ path: join(screenshots, 'compare.png'), fullPage: true });
    const pixels = await seriesPixels(page, '.compare');
    expect(pixels).toHaveLength(6);
    for (const count of pixels) expect(count).toBeGreaterThan(30);
    await page.screenshot({ path: join(screenshots, 'compare.png'), fullPage: true });
  });

  it('classifies an image in the playground as the Node classifier does', async () => {
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page.locator('#playground-run option[value="tiny-a"]').waitFor({ state: 'attached' });
    await page.selectOption('#playground-run', 'tiny-a');
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect
      .poll(() => page.locator('#playground-model-status').textContent())
      .toMatch(/^Loaded tiny-a: 3 classes/);
    // The run is calibrated (as graft train's are by default); the status says so.
    expect(fixture.temperature).not.toBe(1);
    expect(await page.locator('#playground-model-status').textContent()).toContain(
      `Calibrated (temperature ${fixture.temperature.toFixed(3)})`,
    );
    await page.setInputFiles('#playground-images', fixture.validationFiles[0] as string);
    const firstRow = page.locator('#playground-results > li .topk > li').first();
    await firstRow.waitFor();
    const [label, shown] = ((await firstRow.textContent()) ?? '').split(' ');

    const classifier = await loadClassifier(join(runsDir, 'tiny-a', 'model'));
    const pixels = tf.tensor3d(
      fixture.validationPixels[0] as Uint8Array,
      [fixture.side, fixture.side, 3],
      'int32',
    );
    const [expected] = await classifier.predict(pixels, { topK: 3 });
    pixels.dispose();
    classifier.dispose();
    expect(label).toBe(expected?.[0]?.label);
    expect(Number.parseFloat(shown ?? '')).toBeCloseTo((expected?.[0]?.probability ?? 0) * 100, 0);
    expect(await page.locator('#playground-results > li .topk > li').count()).toBe(3);
    // The Grad-CAM overlay of the top class, drawn in the page (wasm/webgl gradients).
    const heatMap = page.locator('#playground-results > li canvas.grad-cam').first();
    await heatMap.waitFor();
    expect(await heatMap.getAttribute('data-label')).toBe(expected?.[0]?.label);
    const drawn = await heatMap.evaluate((canvas: HTMLCanvasElement) => {
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      return [...context.getImageData(0, 0, canvas.width, canvas.height).data];
    });
    expect(drawn).toHaveLength(fixture.side * fixture.side * 4);
    // Not the image itself: half of every pixel is the heat map's colour.
    const original = fixture.validationPixels[0] as Uint8Array;
    let difference = 0;
    original.forEach((value, index) => {
      difference += Math.abs((drawn[Math.floor(index / 3) * 4 + (index % 3)] as number) - value);
    });
    expect(difference / original.length).toBeGreaterThan(10);
    await page.screenshot({ path: join(screenshots, 'playground.png'), fullPage: true });

    // Test-time augmentation in the page: the library's flip average, as in Node.
    await page.selectOption('#playground-tta', 'flip');
    // Another image: picking the same file again fires no change event.
    await page.setInputFiles('#playground-images', fixture.validationFiles[1] as string);
    await expect.poll(() => page.locator('#playground-results > li').count()).toBe(2);
    const newest = page.locator('#playground-results > li').first().locator('.topk > li');
    await newest.first().waitFor();
    const shownWithViews = Object.fromEntries(
      await newest.evaluateAll((entries) =>
        entries.map((entry) => [
          entry.getAttribute('data-label'),
          Number(entry.getAttribute('data-probability')),
        ]),
      ),
    ) as Record<string, number>;
    const nodeClassifier = await loadClassifier(join(runsDir, 'tiny-a', 'model'));
    const image = tf.tensor3d(
      fixture.validationPixels[1] as Uint8Array,
      [fixture.side, fixture.side, 3],
      'int32',
    );
    const averaged = predictWithTestTimeAugmentation(nodeClassifier, image, { views: 'flip' });
    const [expectedWithViews] = (await averaged.array()) as number[][];
    tf.dispose([image, averaged]);
    const plainProbabilities = nodeClassifier.predictProbabilities(
      tf.tensor4d(
        fixture.validationPixels[1] as Uint8Array,
        [1, fixture.side, fixture.side, 3],
        'int32',
      ),
    );
    const [plainRow] = (await plainProbabilities.array()) as number[][];
    plainProbabilities.dispose();
    nodeClassifier.labels.forEach((label, index) => {
      expect(shownWithViews[label]).toBeCloseTo(expectedWithViews?.[index] ?? Number.NaN, 4);
    });
    // The flip changes something, so the check above could not pass by showing plain scores.
    expect(
      Math.max(
        ...(expectedWithViews ?? []).map((value, index) =>
          Math.abs(value - (plainRow?.[index] ?? 0)),
        ),
      ),
    ).toBeGreaterThan(1e-4);
    nodeClassifier.dispose();
    await page.selectOption('#playground-tta', 'none');
  });

  it('the playground gives the probabilities graft predict gives, on real photos of every size (within 1e-4)', async () => {
    // One image set: JPEG photos as they are, and lossless BMPs of other sizes (portrait, exactly
    // the input size, small enough to be upscaled) made from their decoded pixels.
    const runDir = join(runsDir, 'photo-model');
    await writePhotoClassifier({ runDir, sharedDir, perClass: 8 });
    const jpegs = [
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'ants', count: 2 })),
      ...(await sharedPhotos({ sharedDir, split: 'val', className: 'bees', count: 2 })),
    ];
    const made = join(root, 'photo-set');
    await mkdir(made, { recursive: true });
    const decoded = await decodePixels(await readFile(jpegs[0] as string), jpegs[0] as string);
    const variants: Array<[string, [number, number], 'stretch' | 'center-crop']> = [
      ['exact-224.bmp', [224, 224], 'stretch'],
      ['small-70x90.bmp', [70, 90], 'stretch'],
      ['portrait-300x180.bmp', [300, 180], 'center-crop'],
    ];
    const bmps: string[] = [];
    for (const [name, size, mode] of variants) {
      const pixels = resizeImage(decoded, {
        imageSize: size,
        resize: { mode, cropFraction: 1, interpolation: 'bilinear' },
      });
      const path = join(made, name);
      await writeFile(path, encodeBmp(pixels, size[1], size[0]));
      bmps.push(path);
    }
    const images = [...jpegs, ...bmps];

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
    for await (const batch of dataset.batches({ batchSize: 4 })) {
      const probabilities = classifier.predictProbabilities(batch.images);
      expected.push(...((await probabilities.array()) as number[][]));
      probabilities.dispose();
      disposeBatch(batch);
    }
    classifier.dispose();

    await page.goto(server.url);
    await page.getByRole('tab', { name: 'Playground' }).click();
    await page
      .locator('#playground-run option[value="photo-model"]')
      .waitFor({ state: 'attached' });
    await page.selectOption('#playground-run', 'photo-model');
    await page.getByRole('button', { name: 'Load model' }).click();
    await expect
      .poll(() => page.locator('#playground-model-status').textContent())
      .toMatch(/^Loaded photo-model: 2 classes/);
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
      `playground vs graft predict, ${images.length} images: largest probability difference ${largest}`,
    );
    expect(largest).toBeLessThanOrEqual(1e-4);
  }, 240_000);

  it('trains MobileNetV2 0.35 features + a linear head in the browser and offers the model', async () => {
    // train/ and val/ with 20 + 15 images per class from the hymenoptera data.
    const folder = join(root, 'hymenoptera-small');
    for (const [split, count] of [
      ['train', 20],
      ['val', 15],
    ] as const) {
      for (const className of ['ants', 'bees']) {
        const source = join(sharedDir, 'data', 'hymenoptera', split, className);
        const files = (await readdir(source))
          .filter((file) => file.endsWith('.jpg'))
          .sort()
          .slice(0, count);
        await mkdir(join(folder, split, className), { recursive: true });
        for (const file of files)
          await copyFile(join(source, file), join(folder, split, className, file));
      }
    }
    // wasm: SwiftShader's software WebGL (what --disable-gpu leaves) is slower on CPU.
    await page.goto(`${server.url}?backend=wasm#train`);
    await page.setInputFiles('#train-folder', folder);
    await expect
      .poll(() => page.locator('#train-folder-info').textContent())
      .toMatch(/70 files · 2 classes \(ants, bees\) · layout splits/);
    await page.fill('#train-epochs', '6');
    await page.fill('#train-lr', '0.003');
    await page.selectOption('#train-class-weight', 'balanced');
    await page.fill('#train-label-smoothing', '0.1');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // Done, or an error shown in the status: either ends the wait.
    await page
      .locator('#train-status[data-done="true"], #train-status .error')
      .waitFor({ timeout: 150_000 });
    const status = (await page.locator('#train-status').textContent()) ?? '';
    console.log(`browser training: ${status}`);
    expect(status).toMatch(
      /^Done in [\d.]+ s on \w+: 6 epochs, train accuracy [\d.]+%, validation accuracy [\d.]+%, balanced accuracy [\d.]+%, macro-F1 [\d.]+%/,
    );
    // Chance is 50%; the shared assets' reference linear probe of MobileNetV2-0.35 is 90.2%.
    const validationAccuracy = Number(/validation accuracy ([\d.]+)%/.exec(status)?.[1]);
    expect(validationAccuracy).toBeGreaterThanOrEqual(75);
    const pixels = await seriesPixels(page, '#view-train');
    for (const count of pixels) expect(count).toBeGreaterThan(30);
    await page.screenshot({ path: join(screenshots, 'train.png'), fullPage: true });
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download model' }).click();
    expect((await download).suggestedFilename()).toBe('model.json');
    // The trained model, handed to the playground, classifies a picked image.
    await page.getByRole('button', { name: 'Try it in the playground' }).click();
    await expect
      .poll(() => page.locator('#playground-model-status').textContent())
      .toMatch(/trained in this tab: ants, bees/);
    const bee = join(
      folder,
      'val',
      'bees',
      (await readdir(join(folder, 'val', 'bees')))[0] as string,
    );
    await page.setInputFiles('#playground-images', bee);
    await expect.poll(() => page.locator('#playground-results > li .topk > li').count()).toBe(2);
    await page.screenshot({ path: join(screenshots, 'train-playground.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 200_000);
});
