import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColourDataset, denseHead } from '../testing/fixtures.js';
import { train } from '../training/train.js';
import { DiskFeatureStore } from './disk-feature-store.js';
import { listFeatureCacheFiles } from './feature-cache-listing.js';

describe('DiskFeatureStore', () => {
  let directory = '';
  let counter = 0;
  /** A fresh cache folder per test. */
  const folder = () => join(directory, `cache-${counter++}`);
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-features-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips float32 vectors and misses unknown keys', async () => {
    const store = new DiskFeatureStore({ directory: folder() });
    const values = new Float32Array([1.5, -2.25, 3e-8, 7]);
    await store.set('a|b', values.subarray(1, 3));
    expect(Array.from((await store.get('a|b')) ?? [])).toEqual([-2.25, Math.fround(3e-8)]);
    expect(await store.get('missing')).toBeUndefined();
    expect(store.stats).toMatchObject({ hits: 1, misses: 1, writes: 1, corrupt: 0 });
  });

  it('keeps namespaces apart and records their identity', async () => {
    const root = folder();
    const first = new DiskFeatureStore({
      directory: root,
      namespace: 'decoder=1',
      identity: { a: 1 },
    });
    const second = new DiskFeatureStore({ directory: root, namespace: 'decoder=2' });
    await first.set('k', new Float32Array([1, 2]));
    expect(await second.get('k')).toBeUndefined();
    expect(Array.from((await first.get('k')) ?? [])).toEqual([1, 2]);
    expect(JSON.parse(await readFile(join(first.folder, 'identity.json'), 'utf8'))).toEqual({
      a: 1,
    });
  });

  it('detects truncated, altered and misplaced entries: warns naming the file, deletes, misses', async () => {
    const warnings: string[] = [];
    const store = new DiskFeatureStore({
      directory: folder(),
      onWarning: (message) => warnings.push(message),
    });
    const keys = ['truncated', 'flipped', 'moved', 'intact'];
    for (const key of keys) await store.set(key, new Float32Array([1, 2, 3, 4]));
    await truncate(store.entryPath('truncated'), 90);
    const flipped = await readFile(store.entryPath('flipped'));
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x40;
    await writeFile(store.entryPath('flipped'), flipped);
    // Another key's (valid) entry under this key's name.
    await writeFile(store.entryPath('moved'), await readFile(store.entryPath('intact')));

    for (const key of ['truncated', 'flipped', 'moved'])
      expect(await store.get(key)).toBeUndefined();
    expect(Array.from((await store.get('intact')) ?? [])).toEqual([1, 2, 3, 4]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain(store.entryPath('truncated'));
    expect(warnings[0]).toMatch(/truncated/);
    expect(warnings[1]).toContain(store.entryPath('flipped'));
    expect(warnings[1]).toMatch(/checksum mismatch/);
    expect(warnings[2]).toContain(store.entryPath('moved'));
    expect(warnings[2]).toMatch(/another key/);
    expect(store.stats.corrupt).toBe(3);
    const left = (await listFeatureCacheFiles(store.directory)).entries.map((entry) => entry.path);
    expect(left).toEqual([store.entryPath('intact')]);
    // The next write replaces a damaged entry with a good one.
    await store.set('flipped', new Float32Array([5]));
    expect(Array.from((await store.get('flipped')) ?? [])).toEqual([5]);
  });

  it('evicts least-recently-used entries beyond maximumBytes; a hit counts as a use', async () => {
    const root = folder();
    const unbounded = new DiskFeatureStore({ directory: root });
    const vector = new Float32Array(30); // 120 bytes + 80 of header
    const keys = ['a', 'b', 'c', 'd'];
    for (const [index, key] of keys.entries()) {
      await unbounded.set(key, vector);
      // a oldest … d newest.
      const time = new Date(Date.UTC(2026, 0, 1, 0, index));
      await utimes(unbounded.entryPath(key), time, time);
    }
    // Reading `a` makes it the most recently used.
    expect(await unbounded.get('a')).toBeDefined();

    const bounded = new DiskFeatureStore({ directory: root, maximumBytes: 450 });
    expect(await bounded.trim()).toEqual({ entries: 2, bytes: 400, evicted: 2, evictedBytes: 400 });
    expect(await bounded.get('b')).toBeUndefined();
    expect(await bounded.get('c')).toBeUndefined();
    expect(await bounded.get('a')).toBeDefined();
    expect(await bounded.get('d')).toBeDefined();
  });

  it('rejects a budget that is not a number of bytes', () => {
    expect(() => new DiskFeatureStore({ directory: folder(), maximumBytes: -1 })).toThrow(
      /maximumBytes.*-1/s,
    );
  });

  it('trims while writing once an eighth of the budget was written, and removes stale temporaries', async () => {
    const root = folder();
    const store = new DiskFeatureStore({ directory: root, maximumBytes: 1000 });
    const vector = new Float32Array(30);
    for (let index = 0; index < 20; index++) await store.set(`key-${index}`, vector);
    const { entries } = await listFeatureCacheFiles(root);
    expect(entries.reduce((sum, entry) => sum + entry.bytes, 0)).toBeLessThanOrEqual(1000);
    expect(store.stats.evicted).toBeGreaterThan(0);
    // The newest write survives: eviction takes the least recently used.
    expect(await store.get('key-19')).toBeDefined();

    const shard = (await readdir(store.folder))[0] as string;
    const stale = join(store.folder, shard, '.x.fv.1.abcd.tmp');
    const fresh = join(store.folder, shard, '.y.fv.1.abcd.tmp');
    await writeFile(stale, 'partial');
    await writeFile(fresh, 'partial');
    await utimes(stale, new Date(0), new Date(0));
    await store.trim();
    const left = await readdir(join(store.folder, shard));
    expect(left).not.toContain('.x.fv.1.abcd.tmp');
    expect(left).toContain('.y.fv.1.abcd.tmp');
  });

  it('warns once and carries on when the cache cannot be written', async () => {
    if (process.getuid?.() === 0) return; // root writes through permissions
    const root = folder();
    await writeFile(root, 'a file where the cache folder should be');
    const warnings: string[] = [];
    const store = new DiskFeatureStore({ directory: root, onWarning: (m) => warnings.push(m) });
    await store.set('a', new Float32Array([1]));
    await store.set('b', new Float32Array([1]));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/feature cache not written/);
    expect(await store.get('a')).toBeUndefined();
  });

  it('lets concurrent writers of the same keys leave only complete entries', async () => {
    const root = folder();
    const stores = [0, 1, 2].map(() => new DiskFeatureStore({ directory: root }));
    const vector = new Float32Array(256).map((_, index) => index);
    await Promise.all(
      stores.flatMap((store) =>
        Array.from({ length: 10 }, (_, index) => store.set(`shared-${index}`, vector)),
      ),
    );
    const reader = new DiskFeatureStore({ directory: root, onWarning: () => undefined });
    for (let index = 0; index < 10; index++) {
      expect(Array.from((await reader.get(`shared-${index}`)) ?? [])).toEqual(Array.from(vector));
    }
    const files = await listFeatureCacheFiles(root);
    expect(files.entries).toHaveLength(10);
    expect(files.temporary).toHaveLength(0);
    expect(reader.stats.corrupt).toBe(0);
  });

  it('lets a second process-like run skip the backbone', async () => {
    const cache = folder();
    const trainData = new ColourDataset({ count: 20, seed: 3 });
    const run = async () => {
      const backbone = tinyBackbone({ featureDim: 8 });
      const head = denseHead({ featureDim: 8, numClasses: 3 });
      const result = await train({
        backbone,
        head,
        trainData,
        mode: 'feature-extraction',
        epochs: 1,
        extractionBatchSize: 10,
        featureStore: new DiskFeatureStore({ directory: cache }),
      });
      backbone.dispose();
      head.dispose();
      return result.extraction;
    };
    expect(await run()).toMatchObject({ backboneCalls: 2, cacheHits: 0 });
    expect(await run()).toMatchObject({ backboneCalls: 0, cacheHits: 20 });
    // No temporary files left behind by the atomic writes.
    const files = await listFeatureCacheFiles(cache);
    expect(files.entries).toHaveLength(20);
    expect(files.temporary).toHaveLength(0);
  });
});
