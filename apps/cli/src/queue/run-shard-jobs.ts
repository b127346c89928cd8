import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import type { Job, Queue } from 'bullmq';
import type { CommandOutput } from '../output.js';
import {
  describeQueueUrl,
  featureQueueName,
  openRedis,
  reportConnection,
} from './queue-connection.js';
import { shardFilePath } from './shard-file.js';
import type { ShardProgress } from './shard-job.js';
import type { PlannedShard } from './shard-plan.js';

/** What every job kind carries (feature shards, prediction shards). */
export interface ShardJobData {
  /** The shard's name: the result file is `<directory>/<shard>.shard`. */
  shard: string;
  /** The shard's images. */
  files: string[];
  /** The shared directory the shard file goes in. */
  directory: string;
}

/** Options of {@link runShardJobs}. */
export interface RunShardJobsOptions<Data extends ShardJobData> {
  /** The Redis server (`--queue`). */
  url: URL;
  /** The shared directory shard files go in. */
  directory: string;
  /** The shards without a file yet, by name (emptied as their files appear). */
  pending: Map<string, PlannedShard>;
  /** The job of a shard: its BullMQ name and payload. */
  jobOf: (shard: PlannedShard) => { name: string; data: Data };
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
  /** What progress lines count (`features`, `predictions`). Default `features`. */
  progressLabel?: string;
}

/** How long without a worker before saying so again. */
const noWorkerRepeatMs = 30_000;
/** How often a progress line is printed. */
const progressEveryMs = 5_000;

/** Whether shard `name`'s file is in `directory` (written atomically: present = complete). */
export async function hasShardFile(directory: string, name: string): Promise<boolean> {
  return access(shardFilePath(directory, name)).then(
    () => true,
    () => false,
  );
}

/**
 * Enqueues the pending shards on the queue `graft worker` pulls from (job id = shard name +
 * shared directory, so a shard is never queued twice) and waits until every shard file is in
 * the shared directory: prints progress (images/s per worker, ETA), says when no worker is
 * attached, enqueues again after Redis lost its jobs, and fails naming the shard's files and the
 * worker's error once a shard has used all its attempts.
 */
export async function runShardJobs<Data extends ShardJobData>(
  options: RunShardJobsOptions<Data>,
): Promise<void> {
  const { output, url, pending } = options;
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
  const queue: Queue<Data> = new Queue<Data>(featureQueueName, { connection });
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
            `graft: no worker is attached to ${describeQueueUrl(url)} (queue ${featureQueueName}): ${pending.size} shards wait. Start one on a machine that sees the data (at the same path, or give it --map-path <path here>=<path there>): graft worker --queue ${describeQueueUrl(url)}`,
          );
        }
      } else if (noWorkerSince !== undefined) {
        noWorkerSince = undefined;
        noWorkerSaid = undefined;
        output.info(`${workers} worker(s) attached; extracting`);
      }
      if (now - lastProgress >= progressEveryMs) {
        lastProgress = now;
        const active = await queue.getActive().catch(() => [] as Job<Data>[]);
        output.info(
          `${options.progressLabel ?? 'features'}: ${describeProgress(active, pending, finishedImages, total, started, now)}`,
        );
      }
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

async function enqueue<Data extends ShardJobData>(
  queue: Queue<Data>,
  options: RunShardJobsOptions<Data>,
  shards: readonly PlannedShard[],
  attempts: number,
): Promise<void> {
  for (const shard of shards) {
    // A job left failed by an earlier run would block its id: cleared so this run retries it.
    const existing = await queue.getJob(jobIdOf(shard.name, options.directory));
    if (existing && (await existing.isFailed())) await existing.remove();
  }
  // BullMQ's generic name/data types do not narrow over a type parameter: the untyped queue.
  await (queue as unknown as Queue).addBulk(
    shards.map((shard) => {
      const job = options.jobOf(shard);
      return {
        name: job.name,
        data: job.data,
        opts: {
          jobId: jobIdOf(shard.name, options.directory),
          attempts,
          backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
          // The shard file is the result; a failed job stays so the run can name its error.
          removeOnComplete: true,
        },
      };
    }),
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
async function failIfFailed<Data extends ShardJobData>(
  queue: Queue<Data>,
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
function describeProgress<Data extends ShardJobData>(
  active: readonly Job<Data>[],
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
  return `${done}/${total} images, ${rate.toFixed(1)} images/s${workers}${eta}`;
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
