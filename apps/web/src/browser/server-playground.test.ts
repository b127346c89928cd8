import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { browserTestsEnabled, launchChromium } from '../testing/launch-chromium.js';
import { encodeBmp } from '../testing/write-bmp.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const appDir = join(packageRoot, 'dist', 'app');

// The playground pointed at a prediction server. A stand-in answers in `graft serve`'s protocol
// (GET /v1/model, POST /v1/predict, bearer token, CORS for the page's origin: the real server is
// in @graft/cli, which depends on this package); it records what the page sent.
describe.runIf(browserTestsEnabled)(
  'playground with a graft serve server in Debian Chromium',
  () => {
    let root: string;
    let dashboard: DashboardServer;
    let predictionServer: Server;
    let serverUrl: string;
    let browser: BrowserContext;
    const token = 'a-test-token-of-32-characters-xx';
    const received: Array<{ authorization?: string; type?: string; bytes: Buffer }> = [];

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
      root = await mkdtemp(join(tmpdir(), 'graft-web-serve-'));
      dashboard = await startDashboardServer({ runsDir: join(root, 'runs') });
      const origin = new URL(dashboard.url).origin;
      predictionServer = createServer((request, response) => {
        response.setHeader('access-control-allow-origin', origin);
        if (request.method === 'OPTIONS') {
          response.writeHead(204, {
            'access-control-allow-methods': 'GET, POST',
            'access-control-allow-headers': 'content-type, authorization',
          });
          response.end();
          return;
        }
        const json = (status: number, body: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        if (request.headers.authorization !== `Bearer ${token}`) {
          json(401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' } });
          return;
        }
        if (request.method === 'GET' && request.url === '/v1/model') {
          json(200, {
            name: 'served',
            labels: ['ants', 'bees'],
            inputSize: [224, 224],
            preprocessing: {
              inputSize: [224, 224],
              inputRange: [-1, 1],
              resize: { mode: 'stretch', interpolation: 'bilinear' },
            },
            activation: 'softmax',
          });
          return;
        }
        if (request.method === 'POST' && request.url?.startsWith('/v1/predict?top=')) {
          readBody(request).then((bytes) => {
            received.push({
              authorization: request.headers.authorization,
              type: request.headers['content-type'],
              bytes,
            });
            json(200, {
              predictions: [
                {
                  image: 'upload',
                  top: [
                    { label: 'bees', probability: 0.75 },
                    { label: 'ants', probability: 0.25 },
                  ],
                },
              ],
            });
          });
          return;
        }
        json(404, { error: { code: 'NOT_FOUND', message: request.url } });
      });
      await new Promise<void>((done) => predictionServer.listen(0, '127.0.0.1', done));
      serverUrl = `http://127.0.0.1:${(predictionServer.address() as AddressInfo).port}`;
    }, 600_000);

    afterAll(async () => {
      await browser?.close();
      await dashboard?.close();
      await new Promise<void>((done) =>
        predictionServer ? predictionServer.close(() => done()) : done(),
      );
      if (root) await rm(root, { recursive: true, force: true });
    });

    it('connects with the token, posts the file as it is and shows the answer; a wrong token is reported', async () => {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(dashboard.url);
      await page.getByRole('tab', { name: 'Playground' }).click();
      await page.fill('#playground-server-url', serverUrl);
      await page.fill('#playground-server-token', 'not-the-token');
      await page.getByRole('button', { name: 'Use server' }).click();
      await expect
        .poll(() => page.locator('#playground-model-status').textContent(), { timeout: 30_000 })
        .toMatch(/401.*bearer token/);
      await page.fill('#playground-server-token', token);
      await page.getByRole('button', { name: 'Use server' }).click();
      await expect
        .poll(() => page.locator('#playground-model-status').textContent(), { timeout: 30_000 })
        .toMatch(/^Loaded http:\/\/127\.0\.0\.1:\d+ \(graft serve\): 2 classes \(ants, bees\)/);
      const image = join(root, 'photo.bmp');
      const pixels = new Uint8Array(8 * 6 * 3).map((_, index) => (index * 37) % 256);
      await writeFile(image, encodeBmp(pixels, 8, 6));
      await page.setInputFiles('#playground-images', [image]);
      await expect
        .poll(() => page.locator('#playground-results > li .topk > li').count(), {
          timeout: 30_000,
        })
        .toBe(2);
      const shown = await page
        .locator('#playground-results > li .topk > li')
        .evaluateAll((items) =>
          items.map((item) => [
            item.getAttribute('data-label'),
            item.getAttribute('data-probability'),
          ]),
        );
      expect(shown).toEqual([
        ['bees', '0.75'],
        ['ants', '0.25'],
      ]);
      expect(received).toHaveLength(1);
      expect(received[0]?.authorization).toBe(`Bearer ${token}`);
      expect(received[0]?.bytes.equals(await readFile(image))).toBe(true);
      expect(pageErrors).toEqual([]);
      await page.close();
    });
  },
);

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}
