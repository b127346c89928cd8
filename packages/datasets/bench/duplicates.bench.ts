// Duplicate detection: hashing throughput on the ants/bees JPEGs (read + sha1 + sharp 32×32
// gray thumbnail + DCT pHash), the Hamming search on many hashes (multi-index vs plain scan),
// and the cosine scan on backbone-sized vectors.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, measure } from '@graft/bench-kit';
import { SeededRandom } from '@graft/core';
import sharp from 'sharp';
import { cosinePairs, hammingDistance, hammingPairs, perceptualHash } from '../src/index.js';
import { hashImageFile, scanImageFolder } from '../src/node/index.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? resolve(packageDir, '../../../shared');
const root = join(sharedDir, 'data', 'hymenoptera');
const suite = 'datasets duplicates';

async function hashAll(paths: readonly string[], concurrency: number): Promise<string[]> {
  const hashes: string[] = new Array(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const index = next++;
      hashes[index] = (await hashImageFile({ path: paths[index] as string }))
        .perceptualHash as string;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return hashes;
}

/** Random hashes with a share of perturbed copies (a few flipped bits), as two words each. */
function syntheticHashes(count: number): Uint32Array {
  const random = new SeededRandom(1);
  const words = new Uint32Array(count * 2);
  for (let index = 0; index < count; index++) {
    const source = index > 0 && random.next() < 0.05 ? Math.floor(random.next() * index) : -1;
    words[2 * index] =
      source >= 0
        ? (words[2 * source] as number) ^ (1 << Math.floor(random.next() * 32))
        : Math.floor(random.next() * 2 ** 32);
    words[2 * index + 1] =
      source >= 0 ? (words[2 * source + 1] as number) : Math.floor(random.next() * 2 ** 32);
  }
  return words;
}

/** Hamming distances of re-encoded / resized copies to their original and to the closest other photo. */
async function plantedDistances(
  paths: readonly string[],
  hashes: readonly string[],
): Promise<void> {
  const variants: Record<string, (bytes: Buffer) => Promise<Buffer>> = {
    'jpeg q30': (bytes) => sharp(bytes).jpeg({ quality: 30 }).toBuffer(),
    'resize 60%': async (bytes) => {
      const { width } = await sharp(bytes).metadata();
      return sharp(bytes)
        .resize(Math.round((width as number) * 0.6))
        .jpeg({ quality: 90 })
        .toBuffer();
    },
    png: (bytes) => sharp(bytes).png().toBuffer(),
    'centre crop 90%': async (bytes) => {
      const { width = 0, height = 0 } = await sharp(bytes).metadata();
      const w = Math.round(width * 0.9);
      const h = Math.round(height * 0.9);
      return sharp(bytes)
        .extract({
          left: Math.floor((width - w) / 2),
          top: Math.floor((height - h) / 2),
          width: w,
          height: h,
        })
        .jpeg()
        .toBuffer();
    },
    'horizontal flip': (bytes) => sharp(bytes).flop().jpeg().toBuffer(),
  };
  const sample = paths
    .map((path, index) => ({ path, index }))
    .filter((_, index) => index % 10 === 0);
  for (const [name, make] of Object.entries(variants)) {
    const toOriginal: number[] = [];
    const toOthers: number[] = [];
    for (const { path, index } of sample) {
      const copy = await make(await readFile(path));
      const { data, info } = await sharp(copy)
        .rotate()
        .resize(32, 32, { fit: 'fill', fastShrinkOnLoad: false })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const hash = perceptualHash({ width: info.width, height: info.height, channels: 1, data });
      toOriginal.push(hammingDistance(hash, hashes[index] as string));
      toOthers.push(
        Math.min(
          ...hashes
            .filter((_, other) => other !== index)
            .map((other) => hammingDistance(hash, other)),
        ),
      );
    }
    toOriginal.sort((a, b) => a - b);
    const within10 = toOriginal.filter((distance) => distance <= 10).length;
    console.log(
      `${suite} | ${name} (n=${sample.length}) | to original: median ${toOriginal[toOriginal.length >> 1]}, max ${toOriginal.at(-1)}, ≤10 bits ${within10}/${sample.length} | to the closest other photo: min ${Math.min(...toOthers)}`,
    );
  }
}

export default async function duplicatesBench(): Promise<BenchRow[]> {
  const scan = await scanImageFolder({ root });
  const paths = scan.files.map((file) => file.path);
  const rows: BenchRow[] = [];
  rows.push(
    await measure({
      suite,
      name: 'hashImageFile (read + sha1 + 32x32 gray + pHash), 4 in flight',
      items: paths.length,
      runs: 3,
      run: () => hashAll(paths, 4),
      notes: 'hymenoptera train+val, 397 JPEGs',
    }),
  );
  const start = process.cpuUsage();
  const hashes = await hashAll(paths, 4);
  const used = process.cpuUsage(start);
  const perCpuSecond = paths.length / ((used.user + used.system) / 1e6);
  console.log(`${suite} | hashImageFile per CPU-second | ${perCpuSecond.toFixed(1)} images/CPU-s`);
  rows.push({
    suite,
    name: 'hashImageFile, CPU time (all threads)',
    backend: 'node',
    value: perCpuSecond,
    unit: 'images/CPU-s',
    medianSeconds: paths.length / perCpuSecond,
    runs: 1,
    notes: 'robust to other load',
  });

  const distances: number[] = [];
  for (const [index, first] of hashes.entries()) {
    for (const second of hashes.slice(index + 1)) distances.push(hammingDistance(first, second));
  }
  distances.sort((a, b) => a - b);
  console.log(
    `${suite} | hymenoptera pairs | closest distinct pair ${distances[0]} bits; pairs ≤10: ${distances.filter((d) => d <= 10).length}, ≤14: ${distances.filter((d) => d <= 14).length}, ≤16: ${distances.filter((d) => d <= 16).length} of ${distances.length}`,
  );
  await plantedDistances(paths, hashes);

  for (const count of [20_000, 100_000]) {
    const words = syntheticHashes(count);
    for (const strategy of ['index', 'scan'] as const) {
      if (strategy === 'scan' && count > 20_000) continue;
      rows.push(
        await measure({
          suite,
          name: `Hamming search ≤10 bits over ${count} hashes (${strategy === 'index' ? 'multi-index 4x16' : 'plain scan'})`,
          items: count,
          unit: 'hashes/s',
          runs: 3,
          run: () => hammingPairs(words, 10, strategy),
          notes: '5% perturbed copies',
        }),
      );
    }
  }
  const random = new SeededRandom(2);
  const dimension = 1280;
  const count = 2000;
  const vectors = Float32Array.from({ length: count * dimension }, () => random.next());
  rows.push(
    await measure({
      suite,
      name: `cosine scan ${count} x ${dimension} (all pairs)`,
      items: count,
      unit: 'vectors/s',
      runs: 3,
      run: () => cosinePairs(vectors, count, dimension, 0.9999),
      notes: 'O(n² d); 2.56 G multiply-adds per run',
    }),
  );
  return rows;
}
