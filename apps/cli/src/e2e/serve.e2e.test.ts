import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';
import { binary, requireBinary } from './run-binary.js';

const project = useTinyProject({ name: 'serve-e2e', images: { train: 4, val: 2 } });
let run = '';

beforeAll(async () => {
  requireBinary();
  run = (await trainTinyRun(project(), 'run')).out;
}, 120_000);

describe('graft serve (built binary)', () => {
  it('serves with a token, and on SIGTERM under load answers every accepted request and exits 0', async () => {
    const tokenFile = join(project(), 'token');
    const token = 'e2e-token-0123456789abcdef';
    await writeFile(tokenFile, `${token}\n`);
    const child = spawn(
      process.execPath,
      [binary, '--backend', 'wasm', 'serve', run, '--port', '0', '--token-file', tokenFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        const match = /(http:\/\/127\.0\.0\.1:\d+)\/v1\/predict/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', (code) =>
        reject(new Error(`graft serve exited early (${code}): ${stderr}`)),
      );
    });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const red = join(project(), 'data', 'val', 'red');
    const image = new Uint8Array(await readFile(join(red, (await readdir(red))[0] as string)));
    const predict = () =>
      fetch(`${base}/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'image/bmp', authorization: `Bearer ${token}` },
        body: image,
      });
    const first = await predict();
    expect(first.status).toBe(200);
    const answer = (await first.json()) as { predictions: { top: { label: string }[] }[] };
    expect(answer.predictions[0]?.top).toHaveLength(3);
    const unauthorised = await fetch(`${base}/v1/model`);
    expect(unauthorised.status).toBe(401);

    // 24 requests in flight, SIGTERM once the first of them is answered.
    const outcomes = Array.from({ length: 24 }, () =>
      predict().then(
        async (response) => ({ status: response.status, body: await response.text() }),
        (error: Error & { cause?: { code?: string } }) => ({
          refused: error.cause?.code ?? error.message,
        }),
      ),
    );
    await Promise.race(outcomes);
    child.kill('SIGTERM');
    const results = await Promise.all(outcomes);
    expect(await exited).toBe(0);
    let answered = 0;
    for (const result of results) {
      // Accepted requests are answered in full; later ones are refused: the port is closed, a
      // kept-alive connection is told 503 SHUTTING_DOWN, or (a request racing the close of an
      // idle kept-alive connection, never read by the server) reset.
      if (!('status' in result)) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(result.refused);
      else if (result.status === 200) answered++;
      else expect(result.body).toContain('SHUTTING_DOWN');
    }
    expect(answered).toBeGreaterThan(0);
    // Every request the server answered 200 reached its client (first one included): none lost.
    expect(stderr).toContain(`graft serve: stopped (/v1/predict answers: ${answered + 1} x 200`);
  }, 120_000);
});
