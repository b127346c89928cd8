import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeFeatureCache,
  type FeatureCacheFile,
  leastRecentlyUsedOverBudget,
  listFeatureCacheFiles,
} from './feature-cache-listing.js';

const entry = (path: string, bytes: number, lastUsedMs: number): FeatureCacheFile => ({
  path,
  namespace: 'n',
  bytes,
  lastUsedMs,
});

describe('leastRecentlyUsedOverBudget', () => {
  it('evicts the oldest entries until the rest fit, and nothing when they fit', () => {
    const entries = [entry('c', 10, 300), entry('a', 10, 100), entry('b', 10, 200)];
    expect(leastRecentlyUsedOverBudget(entries, 30)).toEqual([]);
    expect(leastRecentlyUsedOverBudget(entries, 25).map((file) => file.path)).toEqual(['a']);
    expect(leastRecentlyUsedOverBudget(entries, 10).map((file) => file.path)).toEqual(['a', 'b']);
    expect(leastRecentlyUsedOverBudget(entries, 0)).toHaveLength(3);
  });

  it('breaks ties by path, so concurrent trims choose the same files', () => {
    const entries = [entry('y', 10, 100), entry('x', 10, 100), entry('z', 10, 200)];
    expect(leastRecentlyUsedOverBudget(entries, 20).map((file) => file.path)).toEqual(['x']);
  });
});

describe('describeFeatureCache', () => {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'graft-feature-listing-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('sums entries per namespace with its identity, and lists temporary files apart', async () => {
    const shard = join(directory, 'ns1', 'ab');
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, 'one.fv'), new Uint8Array(100));
    await writeFile(join(shard, 'two.fv'), new Uint8Array(50));
    await writeFile(join(shard, '.two.fv.123.abcd.tmp'), new Uint8Array(7));
    await writeFile(join(shard, 'notes.txt'), 'not an entry');
    await writeFile(join(directory, 'ns1', 'identity.json'), '{"backbone":"tiny"}');
    await mkdir(join(directory, 'ns2', 'cd'), { recursive: true });
    await writeFile(join(directory, 'ns2', 'cd', 'three.fv'), new Uint8Array(10));
    const used = new Date('2026-01-02T03:04:05Z');
    await utimes(join(shard, 'one.fv'), used, used);
    await utimes(join(shard, 'two.fv'), new Date(0), new Date(0));

    const files = await listFeatureCacheFiles(directory);
    expect(files.entries).toHaveLength(3);
    expect(files.temporary.map((file) => file.bytes)).toEqual([7]);
    const namespaces = await describeFeatureCache(directory);
    const first = namespaces.find((namespace) => namespace.namespace === 'ns1');
    expect(first).toMatchObject({ entries: 2, bytes: 150, identity: { backbone: 'tiny' } });
    expect(first?.lastUsed?.toISOString()).toBe(used.toISOString());
    expect(namespaces.find((namespace) => namespace.namespace === 'ns2')).toMatchObject({
      entries: 1,
      bytes: 10,
      identity: undefined,
    });
    expect(await describeFeatureCache(join(directory, 'missing'))).toEqual([]);
  });
});
