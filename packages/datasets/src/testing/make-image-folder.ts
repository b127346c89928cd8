// Builds small image folders on disk for tests (not exported).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { encodeBmp, encodeNetpbm, testPixels } from './encode-test-images.js';

/** Encodes `testPixels(width, height, seed)` in the format given by `name`'s extension. */
export async function encodeTestImage(
  name: string,
  width: number,
  height: number,
  seed: number,
): Promise<Uint8Array> {
  const rgb = testPixels(width, height, seed);
  const image = () => sharp(rgb, { raw: { width, height, channels: 3 } });
  const extension = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  switch (extension) {
    case 'jpg':
    case 'jpeg':
      return image().jpeg().toBuffer();
    case 'png':
      return image().png().toBuffer();
    case 'webp':
      return image().webp({ lossless: true }).toBuffer();
    case 'tif':
    case 'tiff':
      return image().tiff().toBuffer();
    case 'ppm':
      return encodeNetpbm({ kind: 'P6', width, height, maxValue: 255, samples: [...rgb] });
    case 'pgm':
      return encodeNetpbm({
        kind: 'P5',
        width,
        height,
        maxValue: 65535,
        samples: Array.from(
          { length: width * height },
          (_, index) => (index * 4099 + seed) % 65536,
        ),
      });
    case 'bmp':
      return encodeBmp({ width, height, rgb, bitsPerPixel: seed % 2 === 0 ? 24 : 32 });
    default:
      return new TextEncoder().encode(`not an image: ${name}`);
  }
}

/** Creates a temporary folder holding `files` (relative path → size or raw bytes). */
export async function makeImageFolder(
  files: Readonly<Record<string, readonly [number, number] | Uint8Array | 'folder'>>,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'graft-datasets-'));
  let seed = 0;
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    if (content === 'folder') {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    const bytes =
      content instanceof Uint8Array
        ? content
        : await encodeTestImage(path, content[0], content[1], ++seed);
    await writeFile(target, bytes);
  }
  return root;
}
