import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary, requireBinary } from './run-binary.js';

describe('graft ui (built binary)', () => {
  let root: string;

  beforeAll(async () => {
    requireBinary();
    root = await mkdtemp(join(tmpdir(), 'graft-ui-'));
    await mkdir(join(root, 'runs', 'first', 'logs'), { recursive: true });
    await writeFile(join(root, 'runs', 'first', 'config.json'), JSON.stringify({ epochs: 1 }));
    await writeFile(
      join(root, 'runs', 'first', 'logs', 'history.jsonl'),
      `${JSON.stringify({ epoch: 0, loss: 0.5, val_accuracy: 0.75 })}\n`,
    );
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('serves the runs read-only on 127.0.0.1 and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [binary, 'ui', join(root, 'runs'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        stdout += text;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(stdout);
        if (match?.[1]) resolveUrl(match[1]);
      });
      child.on('close', (code) => reject(new Error(`graft ui exited early (${code}): ${stdout}`)));
    });
    const base = url.endsWith('/') ? url : `${url}/`;
    const runs = await fetch(`${base}api/runs`);
    expect(runs.status).toBe(200);
    expect(JSON.stringify(await runs.json())).toContain('first');
    const traversal = await fetch(`${base}api/runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd`);
    expect([400, 404]).toContain(traversal.status);

    const exitCode = new Promise<number | null>((resolveCode) => child.on('close', resolveCode));
    child.kill('SIGINT');
    expect(await exitCode).toBe(0);
  });

  it('refuses a runs folder that does not exist, naming it', async () => {
    const child = spawn(process.execPath, [binary, 'ui', join(root, 'missing')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const code = await new Promise<number | null>((resolveCode) => child.on('close', resolveCode));
    expect(code).not.toBe(0);
    expect(stderr).toContain('runs-dir');
    expect(stderr).toContain('missing');
  });
});
