// Issue 19 §3: the training pipeline with the augmentation's crop/flip cut while decoding
// (`viewBatches`: each JPEG is decoded into its frame — libjpeg-turbo on libuv threads and
// `resizeImage` when the system has it, else libvips — and one JavaScript pass crops, resizes
// and mirrors it; with viewThreads the threads do all of it) and the decoded-pixel cache, next to torchvision's recipe
// (ImageFolder + RandomResizedCrop(224) + flip + ToTensor + Normalize, DataLoader with 2 worker
// processes, batch 32) and Graft's tensor path (random resized crop + flip + normalize on wasm),
// all on the ants/bees train JPEGs in this one process/run. Every row gives wall images/s and
// images per CPU-second (Graft: process.cpuUsage, all threads; torchvision: getrusage of the
// process and its reaped DataLoader workers), which is less noisy on a shared machine.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compose, normalize, randomFlip, randomResizedCrop } from '@graft/augmentation';
import type { BenchRow } from '@graft/bench-kit';
import { disposeBatch, type ImageBatch, normalizeImages, type Preprocessing } from '@graft/core';
import { type FileImageDataset, openImageFolder } from '@graft/datasets/node';
import { initBackend } from '@graft/runtime';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { liveTensors } from './workloads.js';

const sharedDir =
  process.env.GRAFT_SHARED_DIR ?? resolve(import.meta.dirname, '../../../../shared');
const root = join(sharedDir, 'data', 'hymenoptera');
const suite = 'pipeline views (issue 19)';
const runs = 3;
const torchvisionPreprocessing: Preprocessing = {
  inputSize: [224, 224],
  channelOrder: 'rgb',
  inputRange: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
};

const torchvisionScript = `
import resource, statistics, sys, time
import torch, torchvision
from torchvision import transforms
torch.set_num_threads(2)
dataset = torchvision.datasets.ImageFolder(sys.argv[1], transform=transforms.Compose([
    transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]))
loader = torch.utils.data.DataLoader(dataset, batch_size=32, num_workers=2)
def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
def epoch():
    for _ in loader:
        pass
epoch()
walls, cpus = [], []
for _ in range(${runs}):
    start, start_cpu = time.perf_counter(), cpu()
    epoch()
    walls.append(time.perf_counter() - start); cpus.append(cpu() - start_cpu)
print(len(dataset), statistics.median(walls), statistics.median(cpus))
`;

/**
 * Median wall and CPU seconds of `runs` runs of `run` (after `warmup` untimed runs); what
 * `prepare` makes for each run (a fresh dataset, as torchvision's is built outside its timing)
 * is made before the clock starts.
 */
async function timed<Prepared = undefined>(
  run: (prepared: Prepared) => Promise<void>,
  prepare: () => Promise<Prepared> = async () => undefined as Prepared,
  warmup = 1,
): Promise<{ wall: number; cpu: number }> {
  for (let index = 0; index < warmup; index++) await run(await prepare());
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let index = 0; index < runs; index++) {
    const prepared = await prepare();
    const start = performance.now();
    const startCpu = process.cpuUsage();
    await run(prepared);
    const used = process.cpuUsage(startCpu);
    walls.push((performance.now() - start) / 1000);
    cpus.push((used.user + used.system) / 1e6);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
  return { wall: median(walls), cpu: median(cpus) };
}

function rowsOf(
  name: string,
  images: number,
  time: { wall: number; cpu: number },
  notes: string,
  backend = 'wasm',
): BenchRow[] {
  const loadAverage = loadavg()[0] ?? 0;
  console.log(
    `${suite} | ${name} | ${(images / time.wall).toFixed(1)} images/s, ${((time.cpu / images) * 1000).toFixed(2)} CPU-ms/image (load ${loadAverage.toFixed(2)})`,
  );
  const row = { suite, backend, runs, notes, loadAverage };
  return [
    { ...row, name, value: images / time.wall, unit: 'images/s', medianSeconds: time.wall },
    { ...row, name, value: images / time.cpu, unit: 'images/CPU-s', medianSeconds: time.cpu },
  ];
}

/**
 * Turns a batch into network input as the trainer does (`normalizeImages` on wasm unless the
 * views were normalised while cut) and waits for it; disposes everything.
 */
async function consume(batch: ImageBatch): Promise<void> {
  const normalized = batch.normalized
    ? batch.images
    : normalizeImages(batch.images, torchvisionPreprocessing);
  const corner = tf.slice(normalized, [0, 0, 0, 0], [1, 1, 1, 1]);
  await corner.data();
  tf.dispose([normalized, corner]);
  disposeBatch(batch);
}

export default async function run(): Promise<BenchRow[]> {
  await initBackend({ prefer: 'wasm' });
  const open = async (cacheDirectory?: string) => {
    const folder = await openImageFolder({
      root,
      imageSize: [224, 224],
      resize: torchvisionPreprocessing.resize,
      ...(cacheDirectory ? { pixelCache: { directory: cacheDirectory } } : {}),
    });
    return folder.dataset('train') as FileImageDataset;
  };
  const train = await open();
  const count = train.size;
  const augmentation = compose([
    randomResizedCrop({ size: 224 }),
    randomFlip({ mode: 'horizontal', probability: 0.5 }),
  ]);
  const planner = augmentation.viewPlanner();
  if (planner === undefined)
    throw new Error('compose(randomResizedCrop, randomFlip) must plan views');
  let epoch = 0;
  // `graft train` asks for views normalised while cut (`normalizeFor`) when nothing augments
  // them afterwards; `fused: false` is the path before (normalisation on wasm), for A/B.
  const viewEpoch = async (dataset: FileImageDataset, fused = true) => {
    epoch += 1;
    for await (const batch of dataset.viewBatches({
      ...(fused ? { normalizeFor: torchvisionPreprocessing } : {}),
      batchSize: 32,
      shuffle: true,
      seed: 1,
      epoch,
      outputSize: [224, 224],
      viewsOf: (batchIndex, images) =>
        planner.views({ seed: epoch * 1000 + batchIndex, count: images, frame: [224, 224] }),
    })) {
      await consume(batch);
    }
  };
  const rows: BenchRow[] = [];
  const tensorsBefore = liveTensors();

  // Today's path: clean batches (sharp decode + Pillow-exact resize in JS), then crop/flip on wasm.
  const tensorAugmentation = compose([
    randomResizedCrop({ size: 224 }),
    randomFlip({ mode: 'horizontal', probability: 0.5 }),
    normalize({ range: [0, 1], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  ]);
  rows.push(
    ...rowsOf(
      'tensor path: decode + resize, then random resized crop + flip + normalize on wasm, 224 b32',
      count,
      await timed(async () => {
        epoch += 1;
        let batchIndex = 0;
        for await (const batch of train.batches({ batchSize: 32, shuffle: true, seed: 1, epoch })) {
          const augmented = tensorAugmentation.apply(batch, {
            seed: epoch * 1000 + batchIndex++,
            numClasses: 2,
          });
          disposeBatch(batch);
          const corner = tf.slice(augmented.images, [0, 0, 0, 0], [1, 1, 1, 1]);
          await corner.data();
          corner.dispose();
          disposeBatch(augmented);
        }
      }),
      'issue-10 workload 3 as the trainer runs it today',
    ),
  );

  rows.push(
    ...rowsOf(
      'views, no cache: frame (libjpeg-turbo + resizeImage, or libvips) + JS crop/resize/flip/normalize into the batch, 224 b32',
      count,
      await timed(() => viewEpoch(train)),
      'every epoch decodes the JPEGs (concurrency 4 on libuv threads)',
    ),
  );

  // First touch: an empty cache directory each run, so each timed epoch decodes and writes the cache.
  const directories: string[] = [];
  rows.push(
    ...rowsOf(
      'views, first touch (decode + write the pixel cache), 224 b32',
      count,
      await timed(viewEpoch, async () => {
        const directory = await mkdtemp(join(tmpdir(), 'graft-pixels-'));
        directories.push(directory);
        return open(directory);
      }),
      'fresh cache directory and dataset per run (opened before the clock starts, as torchvision builds its ImageFolder outside its timing); the cache file (frames at 1.25x, 280x280) is written, flushed and renamed at the end of the epoch',
    ),
  );

  // The same two passes with 2 worker threads reading, decoding and cutting (viewThreads: 2):
  // the counterpart of torchvision's 2 DataLoader workers below.
  rows.push(
    ...rowsOf(
      'views, no cache, read + decoded + cut in 2 worker threads (viewThreads: 2), 224 b32',
      count,
      await timed(() => viewEpoch(train.withOptions({ viewThreads: 2 }))),
      'every epoch decodes the JPEGs, in the threads (libjpeg-turbo when it loads, resizeImage to the frame, the cut)',
    ),
  );
  rows.push(
    ...rowsOf(
      'views, first touch, read + decoded + cut in 2 worker threads (viewThreads: 2), 224 b32',
      count,
      await timed(viewEpoch, async () => {
        const directory = await mkdtemp(join(tmpdir(), 'graft-pixels-'));
        directories.push(directory);
        return (await open(directory)).withOptions({ viewThreads: 2 });
      }),
      'fresh cache directory per run; frames come back from the threads and are written to the cache on this one',
    ),
  );

  const cacheDirectory = await mkdtemp(join(tmpdir(), 'graft-pixels-'));
  directories.push(cacheDirectory);
  const cached = await open(cacheDirectory);
  rows.push(
    ...rowsOf(
      'views, cached epochs (pixel cache read, no decode), 224 b32',
      count,
      await timed(() => viewEpoch(cached)),
      'warm-up epoch wrote the cache; timed epochs read frames (positioned reads) and cut + normalise them into the batch in one JS pass (normalizeFor)',
    ),
  );
  rows.push(
    ...rowsOf(
      'views, cached epochs, normalised on wasm after the cut (before issue 19 round 3), 224 b32',
      count,
      await timed(() => viewEpoch(cached, false)),
      'same cache file; the cut writes [0, 255] floats, normalizeImages runs on wasm (A/B for the fused pass)',
    ),
  );
  // The same cache file, the views cut (and normalised) by worker threads.
  for (const viewThreads of [1, 2]) {
    const threaded = cached.withOptions({ viewThreads });
    rows.push(
      ...rowsOf(
        `views, cached epochs, cut in ${viewThreads} worker thread${viewThreads > 1 ? 's' : ''} (viewThreads: ${viewThreads}), 224 b32`,
        count,
        await timed(() => viewEpoch(threaded)),
        'same cache file; frames are transferred to the threads (one pool for the process), views written in place into reused shared-memory slots, then copied into the batch',
      ),
    );
  }
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
  const tensorsAfter = liveTensors();
  for (const row of rows)
    row.notes += `; live tensors ${tensorsBefore} before, ${tensorsAfter} after`;

  const python =
    process.env.GRAFT_BENCH_PYTHON ??
    (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  try {
    const output = execFileSync(python, ['-c', torchvisionScript, join(root, 'train')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [images, wall, cpu] = (output.trim().split('\n').pop() ?? '').split(' ').map(Number) as [
      number,
      number,
      number,
    ];
    rows.push(
      ...rowsOf(
        'torchvision RandomResizedCrop(224) + flip + ToTensor + Normalize (PIL), DataLoader workers=2, b32',
        images,
        { wall, cpu },
        'reference, same machine and run; CPU includes the worker processes',
        'python3',
      ),
    );
  } catch (error) {
    console.log(`torchvision not measured (${(error as Error).message.split('\n')[0]})`);
  }
  return rows;
}
