import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKinds, listCache, parseCacheKinds, pathsOfKind } from './cache-inventory.js';

describe('parseCacheKinds', () => {
  it('takes kinds, all, or the recomputable default', () => {
    expect(parseCacheKinds(undefined)).toEqual(['features', 'pixels', 'onnx']);
    expect(parseCacheKinds('features, data,features')).toEqual(['features', 'data']);
    expect(parseCacheKinds('all')).toEqual([...cacheKinds]);
  });

  it('names --kind, the value and the valid kinds', () => {
    for (const bad of ['weights', 'features,bogus', ',']) {
      expect(() => parseCacheKinds(bad)).toThrow(
        /--kind[\s\S]*features, pixels, onnx, data, downloads, all/,
      );
    }
  });
});

describe('listCache', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'graft-cache-inventory-'));
    // A pixel cache file: frames, then its JSON index and the 16-byte footer.
    const index = Buffer.from(
      JSON.stringify({
        frameBytes: 4,
        entries: [
          { path: '/data/ants/a.jpg', size: 1, mtimeMs: 0, key: 'x' },
          { path: '/data/bees/b.jpg', size: 1, mtimeMs: 0, key: 'y' },
        ],
      }),
    );
    const footer = Buffer.alloc(16);
    footer.writeBigUInt64LE(BigInt(index.length), 0);
    footer.write('GRAFTPX1', 8, 'latin1');
    await mkdir(join(root, 'pixels'), { recursive: true });
    await writeFile(
      join(root, 'pixels', 'abc.pixels'),
      Buffer.concat([Buffer.alloc(8), index, footer]),
    );
    await mkdir(join(root, 'onnx'), { recursive: true });
    await writeFile(
      join(root, 'onnx', `graft-onnx-graph-v1-converter1-${'ab'.repeat(32)}.onnx`),
      'g',
    );
    await mkdir(join(root, 'data', 'hymenoptera_data', 'train'), { recursive: true });
    await writeFile(join(root, 'data', 'hymenoptera_data', 'train', '1.jpg'), '12345');
    await writeFile(join(root, 'data', 'hymenoptera_data', 'train', '2.jpg'), '12');
    await mkdir(join(root, 'keras'), { recursive: true });
    await writeFile(join(root, 'keras', 'weights.h5'), 'w'.repeat(10));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists each kind with entries, bytes and what its items are', async () => {
    const listing = Object.fromEntries((await listCache(root)).map((kind) => [kind.kind, kind]));
    expect(listing.features).toMatchObject({ entries: 0, bytes: 0, items: [] });
    expect(listing.pixels).toMatchObject({ entries: 2 });
    expect(listing.pixels?.items[0]?.identity).toBe('2 images of 4 bytes from /data');
    expect(listing.onnx?.items[0]?.identity).toMatch(
      /^backbone abababababab… \(graft-onnx-graph-v1-converter1\)$/,
    );
    expect(listing.data).toMatchObject({ entries: 2, bytes: 7 });
    expect(listing.data?.items[0]?.identity).toBe('hymenoptera_data (2 files)');
    expect(listing.downloads).toMatchObject({ entries: 1, bytes: 10 });
    expect(listing.downloads?.items[0]?.path).toBe(join('keras', 'weights.h5'));
  });

  it('gives downloads everything no other kind owns', async () => {
    expect(await pathsOfKind(root, 'downloads')).toEqual([join(root, 'keras')]);
    expect(await pathsOfKind(root, 'data')).toEqual([join(root, 'cifar'), join(root, 'data')]);
  });
});
