import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workerThreadEntry } from './worker-thread-entry.js';

const temporary: string[] = [];
afterAll(async () => {
  for (const path of temporary) await rm(path, { recursive: true, force: true });
});

const names = {
  builtFile: 'x-thread.js',
  bootstrapFile: 'x-bootstrap.mjs',
  packageName: '@graft/x',
};

describe('workerThreadEntry', () => {
  it('starts sources through the bootstrap and built code from the file beside it or one level down', async () => {
    const source = workerThreadEntry({ ...names, moduleUrl: 'file:///repo/src/node/pool.ts' });
    expect(source).toEqual({
      url: new URL('file:///repo/src/node/x-bootstrap.mjs'),
      execArgv: ['--conditions=@graft/source'],
    });
    const dist = await mkdtemp(join(tmpdir(), 'graft-worker-entry-'));
    temporary.push(dist);
    await mkdir(join(dist, 'node'));
    await writeFile(join(dist, 'node', 'x-thread.js'), '');
    const chunk = pathToFileURL(join(dist, 'chunk-abc.js')).href;
    expect(workerThreadEntry({ ...names, moduleUrl: chunk }).url.href).toBe(
      pathToFileURL(join(dist, 'node', 'x-thread.js')).href,
    );
    expect(() =>
      workerThreadEntry({
        ...names,
        moduleUrl: pathToFileURL(join(dist, 'node', 'sub', 'a.js')).href,
      }),
    ).toThrow(/@graft\/x's x-thread\.js is missing .*rebuild the package/);
  });
});
