import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboardServer } from './dashboard-server.js';

/** GET with the path sent byte for byte (fetch would normalise `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolvePromise, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, path, method: 'GET' },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('startDashboardServer', () => {
  let root: string;
  let server: DashboardServer;
  const secret = 'TOP-SECRET-CONTENT';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-web-server-'));
    const runsDir = join(root, 'runs');
    const appDir = join(root, 'app');
    const run = join(runsDir, 'alpha');
    await mkdir(join(run, 'logs'), { recursive: true });
    await mkdir(join(run, 'model'), { recursive: true });
    await mkdir(appDir, { recursive: true });
    await writeFile(join(root, 'secret.txt'), secret);
    await writeFile(join(appDir, 'index.html'), '<!doctype html><title>graft</title>');
    await writeFile(
      join(run, 'config.json'),
      JSON.stringify({ backbone: 'tiny', mode: 'feature-extraction' }),
    );
    await writeFile(
      join(run, 'logs', 'history.jsonl'),
      [
        '{"epoch":1,"loss":1.2,"accuracy":0.5,"lr":0.001}',
        'this is not json',
        '[1,2,3]',
        '{"loss":0.3}',
        '{"epoch":2,"loss":0.8,"accuracy":0.7,"lr":0.0005}',
        '{"epoch":3,"loss":0.6,', // half-written last line of a run in progress
      ].join('\n'),
    );
    const image = join(root, 'dataset-image.png');
    await writeFile(image, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await writeFile(
      join(run, 'report.json'),
      JSON.stringify({
        validation: {
          misclassified: [
            { index: 0, source: image, label: 0, predicted: 1, confidence: 0.9 },
            { index: 1, source: join(root, 'secret.txt'), label: 1, predicted: 0, confidence: 0.8 },
          ],
        },
      }),
    );
    await writeFile(join(run, 'model', 'model.json'), '{"format":"layers-model"}');
    await writeFile(join(run, 'model', 'notes.txt'), 'not a model file');
    await symlink(join(root, 'secret.txt'), join(run, 'model', 'leak.bin'));
    await symlink(root, join(runsDir, 'escape'));
    await mkdir(join(runsDir, 'broken', 'logs'), { recursive: true });
    await writeFile(join(runsDir, 'broken', 'logs', 'history.jsonl'), '\u0000\u0001garbage\n{{{');
    await writeFile(join(runsDir, 'broken', 'report.json'), '{"validation": ');
    server = await startDashboardServer({ runsDir, appDir, port: 0, weightsDirs: [] });
  });

  afterAll(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('binds to 127.0.0.1 by default', () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('lists runs and serves a run with its parsed log, skipping malformed lines', async () => {
    const list = JSON.parse((await rawGet(server.url, '/api/runs')).body) as {
      runs: Array<{ name: string; epochs: number }>;
    };
    expect(list.runs.map((run) => run.name).sort()).toEqual(['alpha', 'broken']);
    const response = await rawGet(server.url, '/api/runs/alpha');
    expect(response.status).toBe(200);
    const run = JSON.parse(response.body) as {
      config: { backbone: string };
      history: {
        epochs: Array<{ epoch: number; metrics: Record<string, number> }>;
        skippedLines: number;
      };
    };
    expect(run.config.backbone).toBe('tiny');
    expect(run.history.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2]);
    expect(run.history.epochs[1]?.metrics).toEqual({ loss: 0.8, accuracy: 0.7, lr: 0.0005 });
    expect(run.history.skippedLines).toBe(4);
  });

  it('survives a run whose log and report are garbage', async () => {
    const response = await rawGet(server.url, '/api/runs/broken');
    expect(response.status).toBe(200);
    const run = JSON.parse(response.body) as {
      history: { epochs: unknown[]; skippedLines: number };
      report: unknown;
    };
    expect(run.history.epochs).toEqual([]);
    expect(run.history.skippedLines).toBe(2);
    expect(run.report).toBeNull();
  });

  it('serves the app, model files and listed misclassified images', async () => {
    expect((await rawGet(server.url, '/')).body).toContain('<title>graft</title>');
    const model = await rawGet(server.url, '/api/runs/alpha/model/model.json');
    expect(model.status).toBe(200);
    expect(model.body).toContain('layers-model');
    expect((await rawGet(server.url, '/api/runs/alpha/misclassified/validation/0')).status).toBe(
      200,
    );
  });

  it.each([
    '/api/runs/..%2f..%2fsecret.txt',
    '/api/runs/%2e%2e/secret.txt',
    '/api/runs/alpha/model/..%2f..%2f..%2fsecret.txt',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/api/runs/alpha/model/%2Fetc%2Fpasswd',
    '/api/runs/%00',
    '/api/runs/%E0%A4%A',
  ])('rejects the traversal %s with 400', async (path) => {
    const response = await rawGet(server.url, path);
    expect(response.status).toBe(400);
    expect(response.body).not.toContain(secret);
  });

  it.each([
    '/api/runs/escape',
    '/api/runs/escape/model/model.json',
    '/api/runs/alpha/model/leak.bin',
    '/api/runs/alpha/model/notes.txt',
    '/api/runs/alpha/model/config.json',
    '/api/runs/alpha/misclassified/validation/1',
    '/api/runs/alpha/misclassified/validation/7',
    '/api/runs/alpha/misclassified/other/0',
    '/etc/passwd',
    '/secret.txt',
    '/weights/secret.txt',
  ])('answers %s (outside, symlinked out, or not served) with 404', async (path) => {
    const response = await rawGet(server.url, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain(secret);
  });

  it('refuses writes', async () => {
    const url = new URL(server.url);
    const status = await new Promise<number>((resolvePromise, reject) => {
      const outgoing = request(
        { host: url.hostname, port: url.port, path: '/api/runs/alpha', method: 'DELETE' },
        (response) => {
          response.resume();
          resolvePromise(response.statusCode ?? 0);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(status).toBe(405);
  });
});
