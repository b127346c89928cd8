import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTestZip } from '../testing/write-test-zip.js';
import { extractZip } from './extract-zip.js';
import { hymenopteraUrl, resolveDemoData } from './resolve-demo-data.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-cli-demo-data-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function makeDataFolder(path: string): Promise<void> {
  await mkdir(join(path, 'train', 'ants'), { recursive: true });
  await mkdir(join(path, 'val', 'ants'), { recursive: true });
}

const isolated = () => ({
  dataDir: join(directory, 'none-data'),
  sharedDir: join(directory, 'none-shared'),
  mirrorDirs: [],
  cacheDir: join(directory, 'cache'),
});

describe('resolveDemoData', () => {
  it('prefers GRAFT_DATA_DIR, then the shared dir, then a mirror', async () => {
    await makeDataFolder(join(directory, 'shared', 'data', 'hymenoptera'));
    await makeDataFolder(join(directory, 'mirror', 'hymenoptera_data'));
    const base = { ...isolated(), mirrorDirs: [join(directory, 'mirror')], offline: true };
    expect(await resolveDemoData({ ...base, sharedDir: join(directory, 'shared') })).toEqual({
      path: join(directory, 'shared', 'data', 'hymenoptera'),
      origin: 'shared',
    });
    expect(await resolveDemoData(base)).toEqual({
      path: join(directory, 'mirror', 'hymenoptera_data'),
      origin: 'mirror',
    });
  });

  it('offline with nothing found says what to download and where to put it', async () => {
    const error = await resolveDemoData({ ...isolated(), offline: true }).catch((caught) => caught);
    expect(error.code).toBe('ASSET_NOT_FOUND');
    expect(error.message).toContain('offline mode (GRAFT_OFFLINE=1)');
    expect(error.message).toContain(hymenopteraUrl);
    expect(error.message).toContain(join(directory, 'cache', 'data', 'hymenoptera_data.zip'));
  });

  it('downloads the archive and extracts it into the cache', async () => {
    const archive = join(directory, 'served.zip');
    await writeTestZip(archive, [
      { name: 'hymenoptera_data/train/ants/a.jpg', content: 'ant' },
      { name: 'hymenoptera_data/val/bees/b.jpg', content: 'bee' },
    ]);
    const bytes = await readFile(archive);
    const requested: string[] = [];
    const fakeFetch = (async (url: string) => {
      requested.push(url);
      return new Response(bytes, { headers: { 'content-length': String(bytes.length) } });
    }) as unknown as typeof fetch;
    const found = await resolveDemoData({ ...isolated(), offline: false, fetch: fakeFetch });
    expect(requested).toEqual([hymenopteraUrl]);
    expect(found.origin).toBe('download');
    expect(await readFile(join(found.path, 'val', 'bees', 'b.jpg'), 'utf8')).toBe('bee');
    // The second call finds the extracted copy without fetching.
    expect((await resolveDemoData({ ...isolated(), offline: true })).origin).toBe('cache');
  });
});

describe('extractZip', () => {
  it('refuses an entry that escapes the destination', async () => {
    const archive = join(directory, 'evil.zip');
    await writeTestZip(archive, [{ name: '../escaped.txt', content: 'x' }]);
    await expect(extractZip(archive, join(directory, 'out'))).rejects.toThrow();
    await expect(stat(join(directory, 'escaped.txt'))).rejects.toThrow();
  });

  it('reports a file that is not a zip', async () => {
    const archive = join(directory, 'not.zip');
    await writeFile(archive, 'hello');
    await expect(extractZip(archive, join(directory, 'out'))).rejects.toMatchObject({
      code: 'FILE_FORMAT',
    });
  });
});
