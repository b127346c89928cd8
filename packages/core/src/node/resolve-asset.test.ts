import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AssetNotFoundError } from '../errors/asset-not-found-error.js';
import { resolveAsset } from './resolve-asset.js';
import { writeFileAtomic } from './write-file-atomic.js';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function directories() {
  const root = await mkdtemp(join(tmpdir(), 'graft-asset-'));
  roots.push(root);
  return { cacheDir: join(root, 'cache'), mirror: join(root, 'mirror'), root };
}

function fakeFetch(body: string, status = 200): typeof fetch {
  return (async () => new Response(status === 200 ? body : 'nope', { status })) as typeof fetch;
}

describe('resolveAsset', () => {
  it('prefers cache over mirror, and finds a mirror file under its canonical path', async () => {
    const { cacheDir, mirror } = await directories();
    await mkdir(join(mirror, 'keras'), { recursive: true });
    await writeFile(join(mirror, 'keras', 'w.h5'), 'mirror');
    const fromMirror = await resolveAsset({
      relativePath: 'keras/w.h5',
      cacheDir,
      mirrorDirs: [mirror],
      offline: true,
    });
    expect(fromMirror).toEqual({ path: join(mirror, 'keras', 'w.h5'), origin: 'mirror' });
    await writeFileAtomic(join(cacheDir, 'keras', 'w.h5'), 'cache');
    const fromCache = await resolveAsset({
      relativePath: 'keras/w.h5',
      cacheDir,
      mirrorDirs: [mirror],
      offline: true,
    });
    expect(fromCache.origin).toBe('cache');
  });

  it('offline and missing: names the file, the places searched and where to put it', async () => {
    const { cacheDir, mirror } = await directories();
    const promise = resolveAsset({
      relativePath: 'keras/w.h5',
      url: 'https://example.org/keras/w.h5',
      cacheDir,
      mirrorDirs: [mirror],
      offline: true,
    });
    await expect(promise).rejects.toSatisfy(AssetNotFoundError.isInstance);
    await expect(promise).rejects.toThrow(
      `Could not find w.h5: offline mode (GRAFT_OFFLINE=1) forbids downloading. Searched: ${join(cacheDir, 'keras/w.h5')}, ${join(mirror, 'keras/w.h5')}. Download https://example.org/keras/w.h5 and put it at ${join(cacheDir, 'keras/w.h5')}`,
    );
  });

  it('downloads into the cache with progress and a verified checksum', async () => {
    const { cacheDir } = await directories();
    const progress: number[] = [];
    const resolved = await resolveAsset({
      relativePath: 'a/file.bin',
      url: 'https://example.org/a/file.bin',
      sha256: sha256('payload'),
      cacheDir,
      mirrorDirs: [],
      offline: false,
      fetch: fakeFetch('payload'),
      onProgress: (event) => progress.push(event.receivedBytes),
    });
    expect(resolved.origin).toBe('download');
    expect(await readFile(resolved.path, 'utf8')).toBe('payload');
    expect(progress.at(-1)).toBe(7);
  });

  it('rejects a download whose checksum differs and leaves nothing in the cache', async () => {
    const { cacheDir } = await directories();
    await expect(
      resolveAsset({
        relativePath: 'a/file.bin',
        url: 'https://example.org/a/file.bin',
        sha256: sha256('expected'),
        cacheDir,
        mirrorDirs: [],
        offline: false,
        fetch: fakeFetch('tampered'),
      }),
    ).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected/);
    expect(await readdir(join(cacheDir, 'a'))).toEqual([]);
  });

  it('turns an HTTP failure into a not-found error naming the URL', async () => {
    const { cacheDir } = await directories();
    await expect(
      resolveAsset({
        relativePath: 'f.bin',
        url: 'https://example.org/f.bin',
        cacheDir,
        mirrorDirs: [],
        offline: false,
        fetch: fakeFetch('', 404),
      }),
    ).rejects.toThrow(/downloading it failed \(HTTP 404/);
  });

  it('re-fetches a corrupt cache entry, keeping the corrupt file aside', async () => {
    const { cacheDir } = await directories();
    await writeFileAtomic(join(cacheDir, 'f.bin'), 'corrupt');
    const resolved = await resolveAsset({
      relativePath: 'f.bin',
      url: 'https://example.org/f.bin',
      sha256: sha256('good'),
      cacheDir,
      mirrorDirs: [],
      offline: false,
      fetch: fakeFetch('good'),
    });
    expect(await readFile(resolved.path, 'utf8')).toBe('good');
    expect((await readdir(cacheDir)).some((name) => name.startsWith('f.bin.corrupt-'))).toBe(true);
  });

  it('uses an explicit path as is, and errors clearly when it does not exist', async () => {
    const { root } = await directories();
    const path = join(root, 'explicit.h5');
    await writeFile(path, 'x');
    expect(await resolveAsset({ relativePath: 'keras/w.h5', explicitPath: path })).toEqual({
      path,
      origin: 'explicit',
    });
    await expect(
      resolveAsset({ relativePath: 'keras/w.h5', explicitPath: join(root, 'missing.h5') }),
    ).rejects.toThrow(/explicit path given does not exist/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary files', async () => {
    const { root } = await directories();
    const path = join(root, 'nested', 'checkpoint.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(root, 'nested'))).toEqual(['checkpoint.json']);
  });
});
