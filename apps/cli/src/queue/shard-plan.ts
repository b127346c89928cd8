import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { checkPositiveInteger } from '@graft/core';

/** One shard: consecutive images of one split, starting at a batch boundary. */
export interface PlannedShard {
  /** Content digest (hex): names the job and the result file. */
  name: string;
  /** Absolute image paths, in the split's order. */
  files: string[];
}

/** Options of {@link planShards}. */
export interface PlanShardsOptions {
  /** Each split's files in dataset order (train, then validation). */
  splits: readonly (readonly string[])[];
  /** Images per shard; from `batchSize` on, rounded up to a multiple of it. */
  shardImages: number;
  /** The extraction batch size: shards start on batch boundaries so batches match a local run. */
  batchSize: number;
  /** What the rows are computed with (features' or predictions' identity), part of each shard's name. */
  identity: object;
}

/**
 * Cuts each split into shards on batch boundaries (the same batches a single-machine run forms,
 * so even batch-dependent rounding matches) and names each by its content: the identity, the
 * batch size and every file's path, size and modification time. The same data and backbone give
 * the same names, so a rerun finds the shard files already written and enqueues only the rest.
 */
export async function planShards(options: PlanShardsOptions): Promise<PlannedShard[]> {
  checkPositiveInteger('shardImages', options.shardImages);
  checkPositiveInteger('batchSize', options.batchSize);
  // Shards of a batch or more start on batch boundaries; smaller ones split batches (tiny
  // datasets), which only relies on the backbone treating each image of a batch independently.
  const size =
    options.shardImages < options.batchSize
      ? options.shardImages
      : Math.ceil(options.shardImages / options.batchSize) * options.batchSize;
  const shards: PlannedShard[] = [];
  for (const files of options.splits) {
    for (let start = 0; start < files.length; start += size) {
      const slice = files.slice(start, start + size);
      shards.push({ name: await shardName(slice, options), files: slice });
    }
  }
  return shards;
}

async function shardName(files: readonly string[], options: PlanShardsOptions): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ identity: options.identity, batchSize: options.batchSize }));
  const stats = await Promise.all(files.map((file) => stat(file).catch(() => undefined)));
  files.forEach((file, index) => {
    const info = stats[index];
    hash.update(`\n${file}\t${info?.size ?? -1}\t${info?.mtimeMs ?? -1}`);
  });
  return hash.digest('hex').slice(0, 32);
}
