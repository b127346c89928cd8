import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readShardFile, type ShardFeatures, shardFilePath, writeShardFile } from './shard-file.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'graft-shard-file-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const shard: ShardFeatures = {
  shard: 'abc123',
  featureDim: 3,
  keys: ['prefix|one', 'prefix|two'],
  // Values float32 rounds (1/3) and a negative zero: the file must keep every bit.
  features: new Float32Array([1 / 3, -0, 2.5e-38, 7, Number.MAX_VALUE, -1]),
  skipped: [{ path: '/data/bad.jpg', reason: 'unsupported image format' }],
  worker: 'host 42',
};

describe('shard files', () => {
  it('read back bit for bit what was written, under the shard name', async () => {
    const path = await writeShardFile(directory, shard);
    expect(path).toBe(shardFilePath(directory, 'abc123'));
    const read = await readShardFile(directory, 'abc123');
    expect(read.keys).toEqual(shard.keys);
    expect(Buffer.from(read.features.buffer)).toEqual(Buffer.from(shard.features.buffer));
    expect(read.skipped).toEqual(shard.skipped);
    expect(read.worker).toBe('host 42');
  });

  it('refuse a truncated or altered file, naming it', async () => {
    const path = await writeShardFile(directory, shard);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 2));
    await expect(readShardFile(directory, 'abc123')).rejects.toThrow(FileFormatError);
    await expect(readShardFile(directory, 'abc123')).rejects.toThrow(path);
    const altered = Buffer.from(bytes);
    altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1;
    await writeFile(path, altered);
    await expect(readShardFile(directory, 'abc123')).rejects.toThrow(/checksum/);
  });

  it('refuse a file holding another shard', async () => {
    await writeShardFile(directory, shard);
    await writeFile(
      shardFilePath(directory, 'other'),
      await readFile(shardFilePath(directory, 'abc123')),
    );
    await expect(readShardFile(directory, 'other')).rejects.toThrow(
      /holds shard abc123, not other/,
    );
  });
});
