import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { MemoryFeatureStore } from '@graft/trainer';
import type { Job, Queue } from 'bullmq';
import type { CommandOutput } from '../output.js';
import type { TrainingBackboneSpec } from '../pipeline/training-backbone.js';
import {
  describeQueueUrl,
  featureQueueName,
  openRedis,
  reportConnection,
} from './queue-connection.js';
import { readShardFile, shardFilePath } from './shard-file.js';
import {
  type FeatureIdentity,
  type ShardJob,
  type ShardProgress,
  shardJobFormat,
} from './shard-job.js';
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

/** How long without a worker before saying so again. */
const noWorkerRepeatMs = 30_000;
/** How often a progress line is printed. */
const progressEveryMs = 5_000;

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
  if (pending.size > 0) await runShards(options, pending);
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

async function hasShardFile(directory: string, name: string): Promise<boolean> {
  return access(shardFilePath(directory, name)).then(
    () => true,
    () => false,
  );
}

async function runShards(
  options: DistributeFeaturesOptions,
  pending: Map<string, PlannedShard>,
): Promise<void> {
  const { output, url } = options;
  const { Queue } = await import('bullmq');
  const connection = await openRedis(url);
  // A Redis that restarted without persistence has lost the jobs: enqueue what is left again
  // (job ids are shard names, so jobs that survived are not doubled).
  let reconnected = false;
  reportConnection(
    connection,
    url,
    (message) => output.error(message),
    () => {
      reconnected = true;
    },
  );
  const queue: Queue<ShardJob> = new Queue<ShardJob>(featureQueueName, { connection });
  // Connection errors are reported once per outage above; BullMQ's copies would repeat them.
  queue.on('error', () => undefined);
  const attempts = options.attempts ?? 3;
  try {
    await enqueue(queue, options, [...pending.values()], attempts);
    const total = [...pending.values()].reduce((sum, shard) => sum + shard.files.length, 0);
    const started = performance.now();
    let finishedImages = 0;
    let lastProgress = started;
    let noWorkerSince: number | undefined;
    let noWorkerSaid: number | undefined;
    while (pending.size > 0) {
      options.signal?.throwIfAborted();
      await sleep(options.pollMs ?? 500, options.signal);
      for (const shard of [...pending.values()]) {
        if (await hasShardFile(options.directory, shard.name)) {
          pending.delete(shard.name);
          finishedImages += shard.files.length;
        }
      }
      if (pending.size === 0) break;
      if (reconnected) {
        reconnected = false;
        await enqueue(queue, options, [...pending.values()], attempts);
      }
      await failIfFailed(queue, pending, attempts, options.directory);
      const now = performance.now();
      const workers = await queue.getWorkersCount().catch(() => undefined);
      if (workers === 0) {
        noWorkerSince ??= now;
        if (noWorkerSaid === undefined || now - noWorkerSaid >= noWorkerRepeatMs) {
          noWorkerSaid = now;
          // On stderr even with --quiet or --json: a run waiting for nobody must say so.
          output.error(
            `graft: no worker is attached to ${describeQueueUrl(url)} (queue ${featureQueueName}): ${pending.size} shards wait. Start one on a machine that sees the data at the same path: graft worker --queue ${describeQueueUrl(url)}`,
          );
        }
      } else if (noWorkerSince !== undefined) {
        noWorkerSince = undefined;
        noWorkerSaid = undefined;
        output.info(`${workers} worker(s) attached; extracting`);
      }
      if (now - lastProgress >= progressEveryMs) {
        lastProgress = now;
        const active = await queue.getActive().catch(() => [] as Job<ShardJob>[]);
        output.info(describeProgress(active, pending, finishedImages, total, started, now));
      }
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function enqueue(
  queue: Queue<ShardJob>,
  options: DistributeFeaturesOptions,
  shards: readonly PlannedShard[],
  attempts: number,
): Promise<void> {
  for (const shard of shards) {
    // A job left failed by an earlier run would block its id: cleared so this run retries it.
    const existing = await queue.getJob(jobIdOf(shard.name, options.directory));
    if (existing && (await existing.isFailed())) await existing.remove();
  }
  await queue.addBulk(
    shards.map((shard) => ({
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
      opts: {
        jobId: jobIdOf(shard.name, options.directory),
        attempts,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
        // The shard file is the result; a failed job stays so the run can name its error.
        removeOnComplete: true,
      },
    })),
  );
}

/**
 * A shard's job id: its name and the shared directory its file goes to (a run with another
 * `--shared-dir` must not wait for a file another run's job writes elsewhere).
 */
function jobIdOf(shard: string, directory: string): string {
  return `${shard}.${createHash('sha256').update(directory).digest('hex').slice(0, 8)}`;
}

/** Throws once a pending shard's job has failed for good, naming its files and the error. */
async function failIfFailed(
  queue: Queue<ShardJob>,
  pending: ReadonlyMap<string, PlannedShard>,
  attempts: number,
  directory: string,
): Promise<void> {
  const failed = await queue.getFailed();
  for (const job of failed) {
    const shard = pending.get(job.data.shard);
    if (job.data.directory !== directory) continue;
    if (shard === undefined) continue;
    const files = shard.files.slice(0, 3).join(', ');
    const more = shard.files.length > 3 ? ` and ${shard.files.length - 3} more` : '';
    throw new Error(
      `shard ${shard.name.slice(0, 12)} (${files}${more}) failed after ${job.attemptsMade} of ${attempts} attempts: ${job.failedReason}`,
    );
  }
}

/** `1234/5000 images, 82.1 images/s (host 11: 41.0/s, host 12: 41.1/s), ETA 46 s`. */
function describeProgress(
  active: readonly Job<ShardJob>[],
  pending: ReadonlyMap<string, PlannedShard>,
  finishedImages: number,
  total: number,
  started: number,
  now: number,
): string {
  const perWorker: string[] = [];
  let inFlight = 0;
  for (const job of active) {
    if (!pending.has(job.data.shard)) continue;
    const progress = job.progress as Partial<ShardProgress> | number;
    if (typeof progress !== 'object' || progress.worker === undefined) continue;
    inFlight += progress.done ?? 0;
    perWorker.push(`${progress.worker}: ${(progress.imagesPerSecond ?? 0).toFixed(1)}/s`);
  }
  const done = finishedImages + inFlight;
  const seconds = (now - started) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? `, ETA ${Math.ceil((total - done) / rate)} s` : '';
  const workers = perWorker.length > 0 ? ` (${perWorker.join(', ')})` : '';
  return `features: ${done}/${total} images, ${rate.toFixed(1)} images/s${workers}${eta}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
