import { MemoryFeatureStore } from '@graft/trainer';
import type { CommandOutput } from '../output.js';
import type { TrainingBackboneSpec } from '../pipeline/training-backbone.js';
import { describeQueueUrl } from './queue-connection.js';
import { hasShardFile, runShardJobs } from './run-shard-jobs.js';
import { readShardFile } from './shard-file.js';
import { type FeatureIdentity, shardJobFormat } from './shard-job.js';
import { type PlannedShard, planShards } from './shard-plan.js';

/** Options of {@link distributeFeatures}. */
export interface DistributeFeaturesOptions {
  /** The Redis server (`--queue`). */
  url: URL;
  /** The shared directory shard files go in (`--shared-dir`), at the same path on every worker. */
  directory: string;
  /** Each split's image files in dataset order. */
  splits: readonly (readonly string[])[];
  /** How workers build the backbone. */
  backbone: TrainingBackboneSpec;
  /** The features' identity (workers with another refuse). */
  identity: FeatureIdentity;
  /** The extraction batch size of the run. */
  batchSize: number;
  /** Images per shard (`--shard-images`). Default 256. */
  shardImages?: number;
  /** Attempts of each shard before the run fails (BullMQ retries with exponential backoff). Default 3. */
  attempts?: number;
  /** First retry delay in ms (doubling). Default 2000. */
  backoffMs?: number;
  /** Where progress goes. */
  output: CommandOutput;
  /** Stops waiting (jobs stay queued; a rerun reuses them and every finished shard file). */
  signal?: AbortSignal;
  /** How often the queue is polled, in ms. Default 500. */
  pollMs?: number;
}

/** What {@link distributeFeatures} gives back. */
export interface DistributedFeatures {
  /** Every shard's rows, by the trainer's feature keys. */
  store: MemoryFeatureStore;
  /** Shards of the run, and of those, already in the shared directory when it started. */
  shards: number;
  reused: number;
  /** Images the workers could not decode. */
  skipped: { path: string; reason: string }[];
}

/**
 * Computes the frozen features of `splits` on `graft worker` processes through BullMQ: plans
 * shards (content-named), enqueues those whose file is not in the shared directory yet (job id =
 * shard name + shared directory, so a shard is never queued twice), prints progress (images/s per worker, ETA) and
 * says when no worker is attached, fails naming the shard's files and the worker's error once a
 * shard has used all its attempts, and finally merges the shard files in plan order into a
 * feature store keyed exactly as the trainer keys its own, so training reads every row from it.
 */
export async function distributeFeatures(
  options: DistributeFeaturesOptions,
): Promise<DistributedFeatures> {
  const { output, url } = options;
  const shards = await planShards({
    splits: options.splits,
    shardImages: options.shardImages ?? 256,
    batchSize: options.batchSize,
    identity: options.identity,
  });
  const pending = new Map<string, PlannedShard>();
  for (const shard of shards) {
    if (!(await hasShardFile(options.directory, shard.name))) pending.set(shard.name, shard);
  }
  const reused = shards.length - pending.size;
  const images = shards.reduce((sum, shard) => sum + shard.files.length, 0);
  output.info(
    `queue ${describeQueueUrl(url)}: ${images} images in ${shards.length} shards${reused > 0 ? ` (${reused} already in ${options.directory})` : ''}`,
  );
  if (pending.size > 0) {
    await runShardJobs({
      ...options,
      pending,
      jobOf: (shard) => ({
        name: 'features',
        data: {
          format: shardJobFormat,
          shard: shard.name,
          files: shard.files,
          backbone: options.backbone,
          identity: options.identity,
          batchSize: options.batchSize,
          directory: options.directory,
        },
      }),
    });
  }
  const store = new MemoryFeatureStore();
  const skipped: { path: string; reason: string }[] = [];
  for (const shard of shards) {
    const features = await readShardFile(options.directory, shard.name);
    for (const [index, key] of features.keys.entries()) {
      await store.set(
        key,
        features.features.slice(index * features.featureDim, (index + 1) * features.featureDim),
      );
    }
    skipped.push(...features.skipped);
  }
  return { store, shards: shards.length, reused, skipped };
}
