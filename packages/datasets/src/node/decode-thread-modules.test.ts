import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegDecoder } from './turbo-jpeg.js';

// The decode prefetch thread imports exactly these (decode-prefetch-thread.ts).
const threadModules = ['./content-key.ts', './decode-image.ts', './read-image-bytes.ts'].map(
  (path) => fileURLToPath(new URL(path, import.meta.url)),
);
const required = process.env.GRAFT_REQUIRE_TURBOJPEG === '1';
const available = jpegDecoder().name === 'libjpeg-turbo';

/**
 * In a fresh process: imports the thread's modules, reads, keys and decodes `file`, then lists
 * the CommonJS packages that got loaded (tfjs-core and sharp are CommonJS).
 */
async function modulesLoadedDecoding(file: string): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    const [content, decode, read] = await Promise.all(${JSON.stringify(threadModules)}.map((path) => import(path)));
    const bytes = await read.readImageBytes(${JSON.stringify(file)});
    content.contentKey(bytes);
    const image = await decode.decodePixels(bytes, ${JSON.stringify(file)});
    if (image.width !== 40) throw new Error('not decoded');
    console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=@graft/source', '--import', 'tsx', '--input-type=module', '-e', script],
    { env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as string[];
}

describe("the decode prefetch thread's modules", () => {
  it.skipIf(!available && !required)(
    'decode a plain JPEG without loading tfjs-core or sharp',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'graft-decode-modules-'));
      try {
        const file = join(directory, 'plain.jpg');
        const pixels = new Uint8Array(40 * 30 * 3).map((_, index) => (index * 13) % 256);
        await writeFile(
          file,
          await sharp(pixels, { raw: { width: 40, height: 30, channels: 3 } })
            .jpeg()
            .toBuffer(),
        );
        const loaded = await modulesLoadedDecoding(file);
        // Something CommonJS was loaded (koffi for libjpeg-turbo): the list is not vacuous.
        expect(loaded.some((path) => path.includes('koffi'))).toBe(true);
        expect(loaded.filter((path) => /tfjs-core|[\\/]sharp[\\/]/.test(path))).toEqual([]);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
