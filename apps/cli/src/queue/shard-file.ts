import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import { writeFileAtomic } from '@graft/core/node';

/** First bytes of a shard file. */
const magic = Buffer.from('GRAFTSHD');
/** Version of the header. */
const shardFileFormat = 'graft-shard-v1';

/** The features of one shard, as a worker writes them and the run merges them. */
export interface ShardFeatures {
  /** The shard's name (the file is named after it). */
  shard: string;
  /** Length of one feature vector. */
  featureDim: number;
  /** The trainer's feature-store key of each row (names backbone, engine and image content). */
  keys: string[];
  /** `keys.length × featureDim` values, row-major. */
  features: Float32Array;
  /** Images the worker could not decode, with why (the run reports them like its own). */
  skipped: { path: string; reason: string }[];
  /** `host pid` of the worker that wrote it. */
  worker: string;
}

/** Where shard `name`'s file is in the shared `directory`. */
export function shardFilePath(directory: string, name: string): string {
  return join(directory, `${name}.shard`);
}

/**
 * Writes a shard file atomically (temporary file, fsync, rename: a worker killed mid-write
 * leaves no file that counts): magic, header length, JSON header with the values' sha256, then
 * the float32 values little-endian.
 */
export async function writeShardFile(directory: string, shard: ShardFeatures): Promise<string> {
  const values = Buffer.alloc(shard.features.length * 4);
  for (const [index, value] of shard.features.entries()) values.writeFloatLE(value, index * 4);
  const header = Buffer.from(
    JSON.stringify({
      format: shardFileFormat,
      shard: shard.shard,
      featureDim: shard.featureDim,
      keys: shard.keys,
      skipped: shard.skipped,
      worker: shard.worker,
      sha256: createHash('sha256').update(values).digest('hex'),
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const path = shardFilePath(directory, shard.shard);
  await writeFileAtomic(path, Buffer.concat([magic, length, header, values]));
  return path;
}

/**
 * Reads a shard file back, checking magic, header, name, length and checksum: a damaged file is
 * a {@link FileFormatError} naming it, never features.
 */
export async function readShardFile(directory: string, name: string): Promise<ShardFeatures> {
  const path = shardFilePath(directory, name);
  const bytes = await readFile(path);
  const damaged = (problem: string) => new FileFormatError({ file: path, problem });
  if (bytes.length < magic.length + 4 || !bytes.subarray(0, magic.length).equals(magic)) {
    throw damaged('is not a graft shard file');
  }
  const headerLength = bytes.readUInt32LE(magic.length);
  const headerEnd = magic.length + 4 + headerLength;
  if (headerEnd > bytes.length) throw damaged('is truncated (header)');
  let header: Omit<ShardFeatures, 'features'> & { format: string; sha256: string };
  try {
    header = JSON.parse(bytes.subarray(magic.length + 4, headerEnd).toString('utf8'));
  } catch {
    throw damaged('has a damaged header');
  }
  if (header.format !== shardFileFormat) throw damaged(`has format ${header.format}`);
  if (header.shard !== name) throw damaged(`holds shard ${header.shard}, not ${name}`);
  const values = bytes.subarray(headerEnd);
  if (values.length !== header.keys.length * header.featureDim * 4) {
    throw damaged(
      `has ${values.length} bytes of features for ${header.keys.length} × ${header.featureDim}`,
    );
  }
  if (createHash('sha256').update(values).digest('hex') !== header.sha256) {
    throw damaged('has features that do not match their checksum');
  }
  const features = new Float32Array(values.length / 4);
  for (let index = 0; index < features.length; index++) {
    features[index] = values.readFloatLE(index * 4);
  }
  return {
    shard: header.shard,
    featureDim: header.featureDim,
    keys: header.keys,
    features,
    skipped: header.skipped,
    worker: header.worker,
  };
}
