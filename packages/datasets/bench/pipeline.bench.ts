// Decode + resize throughput on the ants/bees JPEGs at 224, next to torchvision's ImageFolder +
// Resize(256)/CenterCrop(224) with PIL measured in the same run (Debian's python3-torchvision).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, measure } from '@graft/bench-kit';
import { disposeBatch, type ResizePolicy } from '@graft/core';
import '@tensorflow/tfjs-backend-cpu';
import { decodeImage, openImageFolder } from '../src/node/index.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? resolve(packageDir, '../../../shared');
const root = join(sharedDir, 'data', 'hymenoptera');
const resize: ResizePolicy = {
  mode: 'center-crop',
  cropFraction: 0.875,
  interpolation: 'bilinear',
};
const suite = 'datasets pipeline';

const torchvisionScript = `
import sys, time, statistics
import torch
from torchvision import datasets, transforms
root, workers = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
transform = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.PILToTensor()])
dataset = datasets.ImageFolder(root, transform=transform)
loader = torch.utils.data.DataLoader(dataset, batch_size=32, num_workers=workers, persistent_workers=workers > 0)
def run():
    for images, labels in loader:
        images.float()
run()
times, cpu = [], []
for _ in range(3):
    start, start_cpu = time.perf_counter(), time.process_time()
    run()
    times.append(time.perf_counter() - start); cpu.append(time.process_time() - start_cpu)
print(len(dataset) / statistics.median(times), len(dataset) / statistics.median(cpu))
`;

// Debian's torchvision lives in the system Python, which a pyenv/venv `python3` may hide.
const python =
  process.env.GRAFT_BENCH_PYTHON ??
  (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** Rows for torchvision: wall-clock images/s and, with no workers, images per CPU-second. */
function torchvisionRows(workers: number): BenchRow[] {
  try {
    const output = execFileSync(
      python,
      ['-c', torchvisionScript, join(root, 'train'), String(workers)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const [wall, cpu] = (output.trim().split('\n').pop() ?? '').split(' ').map(Number) as [
      number,
      number,
    ];
    const name = `torchvision ImageFolder+Resize(256)+CenterCrop(224) PIL, DataLoader workers=${workers}`;
    console.log(`${suite} | ${name} | ${wall.toFixed(2)} images/s, ${cpu.toFixed(2)} images/CPU-s`);
    const row = { suite, backend: 'python3', runs: 3, notes: 'reference, same machine and run' };
    const rows: BenchRow[] = [
      { ...row, name, value: wall, unit: 'images/s', medianSeconds: 244 / wall },
    ];
    // process_time covers only the main process, so CPU throughput is meaningful without workers.
    if (workers === 0)
      rows.push({ ...row, name, value: cpu, unit: 'images/CPU-s', medianSeconds: 244 / cpu });
    return rows;
  } catch (error) {
    console.log(
      `torchvision not measured (${(error as Error).message.split('\n')[0]}); apt-get install python3-torchvision`,
    );
    return [];
  }
}

/** Median images per CPU-second (user + system, all threads of this process) over `runs` runs. */
async function cpuThroughput(
  items: number,
  runs: number,
  run: () => Promise<void>,
): Promise<number> {
  const values: number[] = [];
  for (let index = 0; index < runs; index++) {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    values.push(items / ((used.user + used.system) / 1e6));
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(runs / 2)] as number;
}

export default async function pipelineBench(): Promise<BenchRow[]> {
  const folder = await openImageFolder({ root, imageSize: [224, 224], resize, concurrency: 4 });
  const train = folder.dataset('train');
  const files = await Promise.all(train.files.map((file) => readFile(file.path)));
  const rows: BenchRow[] = [];

  rows.push(
    await measure({
      suite,
      name: 'sharp decode + center-crop 224 (JPEG bytes in memory, 4 in flight)',
      items: files.length,
      runs: 3,
      run: async () => {
        let next = 0;
        const worker = async () => {
          while (next < files.length) {
            const index = next++;
            await decodeImage(files[index] as Buffer, String(index), {
              imageSize: [224, 224],
              resize,
            });
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
      },
      notes: 'hymenoptera train, 244 JPEGs',
    }),
  );

  rows.push(
    await measure({
      suite,
      name: 'openImageFolder batches() 224 b32 (read + decode + resize + float32 tensor)',
      items: train.size,
      runs: 3,
      backend: 'cpu',
      run: async () => {
        for await (const batch of train.batches({ batchSize: 32, shuffle: true }))
          disposeBatch(batch);
      },
      notes: 'hymenoptera train, concurrency 4, prefetch 2',
    }),
  );

  const epoch = async () => {
    for await (const batch of train.batches({ batchSize: 32, shuffle: true })) disposeBatch(batch);
  };
  const perCpuSecond = await cpuThroughput(train.size, 3, epoch);
  console.log(`${suite} | batches() per CPU-second | ${perCpuSecond.toFixed(2)} images/CPU-s`);
  rows.push({
    suite,
    name: 'openImageFolder batches() 224 b32, CPU time (all threads)',
    backend: 'cpu',
    value: perCpuSecond,
    unit: 'images/CPU-s',
    medianSeconds: train.size / perCpuSecond,
    runs: 3,
    notes: 'robust to other load on the machine',
  });
  for (const workers of [0, 2]) rows.push(...torchvisionRows(workers));
  return rows;
}
