// The queue's own overhead (issue 20's target: ≤ 5 %). One `graft worker` process runs each
// shard exactly as this process's main thread runs `extractFeatures` over the same images (same
// backbone, batch size, decoder, one thread): the difference between the two rows is what
// BullMQ, Redis, the shard files and the merge cost. Rows alternate (local, queue, local, queue)
// so a change in the machine's load hits both; each row's CPU-seconds are those of its measured
// run only (this process + the worker + redis-server), excluding the warm-up that loads the
// backbone in the worker. Needs the built CLI (apps/cli/dist) and Debian's redis-server.
// GRAFT_BENCH_QUEUE_IMAGES=<n> sets the images (default 128: two 64-image shards).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackbone } from '@graft/backbones';
import { type BenchRow, measure } from '@graft/bench-kit';
import { FileImageDataset } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import { extractFeatures, type FeatureStore } from '@graft/trainer';
import { createOutput } from '../src/output.js';
import { backboneOptionsFor } from '../src/pipeline/defaults.js';
import { loadTrainingData } from '../src/pipeline/load-training-data.js';
import { featureIdentityOf } from '../src/queue/compute-shard.js';
import { distributeFeatures } from '../src/queue/distribute-features.js';
import { startRedisServer } from '../src/testing/redis-server.js';

const shared = process.env.GRAFT_SHARED_DIR ?? join(import.meta.dirname, '../../../../shared');
process.env.GRAFT_MIRROR ??= join(shared, 'weights');
const binary = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const name = 'mobilenet_v2_1.0_224';
const batchSize = 32;
const shardImages = 64;

/** A started `graft worker` and everything it printed so far. */
interface StartedWorker {
  child: ChildProcess;
  log: () => string;
}

/** Starts `graft worker` and resolves once it waits for jobs. */
function startWorker(url: string): Promise<StartedWorker> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, '--backend', 'wasm', 'worker', '--queue', url], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The built binary: without the bench runner's tsx loader and source condition.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let seen = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      if (seen.includes('waiting for jobs')) resolve({ child, log: () => seen });
    });
    child.on('exit', (code) => reject(new Error(`graft worker exited (${code}):\n${seen}`)));
  });
}

/** User + system CPU seconds of process `pid` so far (Linux /proc; clock ticks of 1/100 s). */
async function processCpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of this process (every thread) so far. */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** A store that keeps nothing: every image runs through the backbone, as in a worker. */
const discard: FeatureStore = { get: async () => undefined, set: async () => undefined };

export default async function (): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const backbone = await createBackbone(name, {
    pretrained: true,
    ...backboneOptionsFor(name),
    seed: 0,
  });
  const data = await loadTrainingData({
    data: join(shared, 'data', 'hymenoptera'),
    split: undefined,
    seed: 0,
    preprocessing: backbone.preprocessing,
  });
  if (!(data.train instanceof FileImageDataset)) throw new Error('hymenoptera is an image folder');
  const count = Math.min(Number(process.env.GRAFT_BENCH_QUEUE_IMAGES ?? 128), data.train.size);
  const train = data.train.subset(Array.from({ length: count }, (_, index) => index));
  const files = train.files.map((file) => file.path);
  const shards = Math.ceil(count / shardImages);
  const suite = 'cli queue overhead';
  const spec = { backbone: name, weights: 'imagenet', seed: 0 };
  const redis = await startRedisServer();
  const identity = await featureIdentityOf({ backbone, engine: 'tfjs', backend: 'wasm' });
  const output = createOutput(() => ({ quiet: true, stderr: () => undefined }));
  const { child: worker, log } = await startWorker(redis.url);
  const rows: BenchRow[] = [];
  const queueCpu = async () =>
    ownCpuSeconds() +
    (await processCpuSeconds(worker.pid as number)) +
    (await processCpuSeconds(redis.process.pid as number));
  try {
    for (const round of [1, 2]) {
      let localCpu = 0;
      const local = await measure({
        suite,
        name: `ants/bees (${count} images), ${name} b${batchSize}, this process's main thread (round ${round})`,
        items: count,
        warmup: round === 1 ? 1 : 0,
        runs: 1,
        backend: 'wasm',
        notes: 'what one graft worker runs per shard, without the queue',
        run: async () => {
          const before = ownCpuSeconds();
          // Shard by shard, as the worker sees them.
          for (let start = 0; start < count; start += shardImages) {
            const shard = train.subset(
              Array.from(
                { length: Math.min(shardImages, count - start) },
                (_, index) => start + index,
              ),
            );
            await extractFeatures({ backbone, data: shard, batchSize, store: discard });
          }
          localCpu = ownCpuSeconds() - before;
        },
      });
      local.notes += `; ${localCpu.toFixed(1)} CPU-s (${(localCpu / count).toFixed(3)} per image)`;
      rows.push(local);

      let cpu = 0;
      let wall = 0;
      let shardSeconds = 0;
      const queued = await measure({
        suite,
        name: `ants/bees (${count} images), ${name} b${batchSize}, 1 graft worker process through Redis (round ${round})`,
        items: count,
        // The first run loads the backbone in the worker.
        warmup: round === 1 ? 1 : 0,
        runs: 1,
        backend: 'wasm',
        notes: `graft train --queue: ${shardImages}-image shards on BullMQ (local redis-server), shard files + merge included`,
        run: async () => {
          const directory = await mkdtemp(join(tmpdir(), 'graft-bench-queue-'));
          const before = await queueCpu();
          const logBefore = log().length;
          const started = performance.now();
          try {
            await distributeFeatures({
              url: new URL(redis.url),
              directory,
              splits: [files],
              backbone: spec,
              identity,
              batchSize,
              shardImages,
              output,
              // The CLI's default: the run notices the last shard file up to this late.
              pollMs: 500,
            });
          } finally {
            wall = (performance.now() - started) / 1000;
            cpu = (await queueCpu()) - before;
            // The worker's own timing of each shard (decode, backbone, shard file write).
            const shardLines = () => [
              ...log()
                .slice(logBefore)
                .matchAll(/: \d+ images in ([\d.]+) s/g),
            ];
            // The last shard's line may reach this process's pipe after its file did.
            for (let wait = 0; wait < 40 && shardLines().length < shards; wait++) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            shardSeconds = shardLines().reduce((sum, match) => sum + Number(match[1]), 0);
            await rm(directory, { recursive: true, force: true });
          }
        },
      });
      queued.notes += `; ${cpu.toFixed(1)} CPU-s (${(cpu / count).toFixed(3)} per image; this process + worker + redis-server); overhead against the main-thread row: ${((local.value / queued.value - 1) * 100).toFixed(1)} % wall, ${((cpu / localCpu - 1) * 100).toFixed(1)} % CPU; the worker computed shards during ${shardSeconds.toFixed(1)} of the run's ${wall.toFixed(1)} s (${((1 - shardSeconds / wall) * 100).toFixed(1)} % of the run outside shard computation: enqueue, pickup, polling, merge)`;
      rows.push(queued);
    }
  } finally {
    worker.kill('SIGTERM');
    await redis.stop();
    backbone.dispose();
  }
  for (const row of rows) {
    console.log(
      `${row.name}: ${row.value.toFixed(2)} images/s, ${row.medianSeconds.toFixed(1)} s (load ${row.loadAverage}); ${row.notes}`,
    );
  }
  return rows;
}
