import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';

console.log(
  'simd',
  sharp.simd(),
  'versions',
  JSON.stringify(sharp.versions),
  'cache',
  JSON.stringify(sharp.cache()),
);
const root = '/work/shared/data/hymenoptera/train';
const files = readdirSync(root).flatMap((c) =>
  readdirSync(`${root}/${c}`)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => `${root}/${c}/${f}`),
);
const bytes = files.map((f) => readFileSync(f));
async function time(label, fn) {
  for (let round = 0; round < 2; round++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of bytes) await fn(b);
    const c = process.cpuUsage(c0);
    if (round)
      console.log(
        `${label}: wall ${(performance.now() - t0).toFixed(0)} ms cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`,
      );
  }
}
const conc = Number(process.env.C ?? 1);
sharp.concurrency(conc);
if (process.env.NOCACHE) sharp.cache(false);
await time('default', (b) => sharp(b).raw().toBuffer());
await time('sequentialRead', (b) => sharp(b, { sequentialRead: true }).raw().toBuffer());
await time('metadata only', (b) => sharp(b).metadata());
const tiny = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
  .jpeg()
  .toBuffer();
const c0 = process.cpuUsage();
for (let i = 0; i < 243; i++) await sharp(tiny).raw().toBuffer();
const c = process.cpuUsage(c0);
console.log('tiny x243 cpu', ((c.user + c.system) / 1000).toFixed(0));
