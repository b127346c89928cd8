// Feature extraction of ants/bees (244 train + 153 val JPEGs) with MobileNetV2 1.0 on wasm: in
// 1 and 2 worker threads of this process (the in-process pool `graft train` uses), against 1 and
// 2 `graft worker` processes pulling 64-image shards through a local redis-server (BullMQ), the
// shard files written to and merged from a temporary "shared" folder. The queue rows time what
// `graft train --queue` waits for: enqueue, extraction on the workers, shard files, merge.
// Needs the built CLI (apps/cli/dist) and Debian's redis-server.
// GRAFT_BENCH_QUEUE_IMAGES=<n> limits the images (a quick check on a busy machine).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackbone } from '@graft/backbones';
import { type BenchRow, measure } from '@graft/bench-kit';
import type { ImageDataset } from '@graft/core';
import { FileImageDataset } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import { extractFeatures } from '@graft/trainer';
import { createOutput } from '../src/output.js';
import { backboneOptionsFor } from '../src/pipeline/defaults.js';
import { startExtractionWorkers } from '../src/pipeline/extraction-workers.js';
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

/** Starts `graft worker` and resolves once it waits for jobs. */
function startWorker(url: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, '--backend', 'wasm', 'worker', '--queue', url], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The built binary: without the bench runner's tsx loader and source condition.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let seen = '';
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      seen += text;
      if (seen.includes('waiting for jobs')) resolve(child);
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

function limited(dataset: ImageDataset, count: number): FileImageDataset {
  if (!(dataset instanceof FileImageDataset)) throw new Error('hymenoptera is an image folder');
  return dataset.subset(Array.from({ length: Math.min(count, dataset.size) }, (_, index) => index));
}

export default async function (): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const backboneOptions = { pretrained: true, ...backboneOptionsFor(name), seed: 0 };
  const backbone = await createBackbone(name, backboneOptions);
  const data = await loadTrainingData({
    data: join(shared, 'data', 'hymenoptera'),
    split: undefined,
    seed: 0,
    preprocessing: backbone.preprocessing,
  });
  if (!data.validation) throw new Error('hymenoptera has a val/ folder');
  const limit = Number(process.env.GRAFT_BENCH_QUEUE_IMAGES ?? Number.POSITIVE_INFINITY);
  const train = limited(data.train, limit);
  const validation = limited(data.validation, Math.max(0, limit - train.size));
  const splits = [train, validation].filter((split) => split.size > 0);
  const images = splits.reduce((sum, split) => sum + split.size, 0);
  const suite = 'cli queue workers';
  const spec = { backbone: name, weights: 'imagenet', seed: 0 };
  const rows: BenchRow[] = [];

  for (const workers of [1, 2]) {
    const pool = await startExtractionWorkers({ workers, backend: 'wasm', backbone: spec });
    try {
      const cpuBefore = ownCpuSeconds();
      const row = await measure({
        suite,
        name: `ants/bees (${images} images), ${name} b${batchSize}, in-process pool of ${workers} thread${workers > 1 ? 's' : ''}`,
        items: images,
        warmup: 1,
        runs: 1,
        backend: 'wasm',
        notes: `graft train --extraction-workers ${workers}: decoding in the main thread, the network in worker threads`,
        run: async () => {
          for (const split of splits) {
            await extractFeatures({ backbone, data: split, batchSize, featureComputer: pool });
          }
        },
      });
      // Warm-up and the measured run: CPU per image whatever the machine's load.
      row.notes += `; ${((ownCpuSeconds() - cpuBefore) / (2 * images)).toFixed(3)} CPU-s per image (this process, all threads)`;
      rows.push(row);
    } finally {
      await pool.close();
    }
  }

  const redis = await startRedisServer();
  const identity = await featureIdentityOf({ backbone, engine: 'tfjs', backend: 'wasm' });
  const output = createOutput(() => ({ quiet: true, stderr: () => undefined }));
  const started: ChildProcess[] = [];
  try {
    for (const workers of [1, 2]) {
      while (started.length < workers) started.push(await startWorker(redis.url));
      const cpuOf = async () => {
        let sum = ownCpuSeconds();
        for (const child of started) sum += await processCpuSeconds(child.pid as number);
        return sum;
      };
      const cpuBefore = await cpuOf();
      const row = await measure({
        suite,
        name: `ants/bees (${images} images), ${name} b${batchSize}, ${workers} graft worker process${workers > 1 ? 'es' : ''} through Redis`,
        items: images,
        // The first run loads the backbone in each worker.
        warmup: 1,
        runs: 1,
        backend: 'wasm',
        notes: `graft train --queue: ${shardImages}-image shards on BullMQ (local redis-server), each worker one wasm backbone in its main thread, decoding in its own process; shard files + merge included`,
        run: async () => {
          const directory = await mkdtemp(join(tmpdir(), 'graft-bench-queue-'));
          try {
            await distributeFeatures({
              url: new URL(redis.url),
              directory,
              splits: splits.map((split) => split.files.map((file) => file.path)),
              backbone: spec,
              identity,
              batchSize,
              shardImages,
              output,
              pollMs: 100,
            });
          } finally {
            await rm(directory, { recursive: true, force: true });
          }
        },
      });
      // Includes each worker's backbone load in the warm-up run (once per process).
      const cpu = (await cpuOf()) - cpuBefore;
      row.notes += `; ${(cpu / (2 * images)).toFixed(3)} CPU-s per image (this process + workers, warm-up with backbone loads included)`;
      rows.push(row);
    }
  } finally {
    for (const child of started) child.kill('SIGTERM');
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
