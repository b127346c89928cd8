import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureIdentity } from './shard-job.js';
import { planShards } from './shard-plan.js';

let directory: string;
let files: string[];
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-shard-plan-'));
  files = [];
  for (let index = 0; index < 10; index++) {
    const path = join(directory, `${index}.bmp`);
    await writeFile(path, `image ${index}`);
    files.push(path);
  }
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const identity: FeatureIdentity = {
  backbone: 'abc',
  weightsSha256: null,
  engine: 'tfjs',
  backend: 'cpu',
  decoder: 'sharp',
  graft: '0.0.0',
};

describe('planShards', () => {
  it('cuts each split on batch boundaries, keeping order', async () => {
    const shards = await planShards({
      splits: [files.slice(0, 7), files.slice(7)],
      shardImages: 3,
      batchSize: 2,
      identity,
    });
    // 3 rounds up to 4 images (two batches of 2); the validation split starts a new shard.
    expect(shards.map((shard) => shard.files)).toEqual([
      files.slice(0, 4),
      files.slice(4, 7),
      files.slice(7),
    ]);
  });

  it('names shards by content: the same plan twice, another for other weights', async () => {
    const options = { splits: [files], shardImages: 4, batchSize: 4, identity };
    const first = await planShards(options);
    const again = await planShards(options);
    expect(again.map((shard) => shard.name)).toEqual(first.map((shard) => shard.name));
    expect(new Set(first.map((shard) => shard.name)).size).toBe(first.length);
    const other = await planShards({ ...options, identity: { ...identity, backbone: 'def' } });
    expect(other[0]?.name).not.toBe(first[0]?.name);
  });

  it('rejects a shard size that is not a positive integer', async () => {
    await expect(
      planShards({ splits: [files], shardImages: 0, batchSize: 4, identity }),
    ).rejects.toThrow(/shardImages/);
  });
});
