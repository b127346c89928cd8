import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePixels } from './decode-image.js';
import { readJpegOrientation } from './read-jpeg-orientation.js';
import { sharpDecodeOptions } from './sharp-decode-options.js';
import { decodeTurboJpeg, jpegDecoder } from './turbo-jpeg.js';

const hymenoptera = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');
// CI installs libturbojpeg0 and sets this: there the fast path must load, not skip.
const required = process.env.GRAFT_REQUIRE_TURBOJPEG === '1';
const available = jpegDecoder().name === 'libjpeg-turbo';
if (!available && !required) {
  console.warn(`Skipping the libjpeg-turbo tests: ${jpegDecoder().reason}`);
}

/** sharp's decode, as `decodePixels` ran it before the fast path (the reference bytes). */
async function sharpPixels(bytes: Uint8Array) {
  const { data, info } = await sharp(bytes, sharpDecodeOptions(false))
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const gradient = (width: number, height: number) => {
  const data = new Uint8Array(width * height * 3);
  for (let index = 0; index < data.length; index++) data[index] = (index * 7 + (index >> 5)) % 256;
  return sharp(data, { raw: { width, height, channels: 3 } });
};

describe('readJpegOrientation', () => {
  it('reads the EXIF orientation sharp writes, and 1 when there is none', async () => {
    const plain = await gradient(24, 16).jpeg().toBuffer();
    expect(readJpegOrientation(plain)).toBe(1);
    for (const orientation of [1, 3, 6, 8]) {
      const tagged = await gradient(24, 16).jpeg().withMetadata({ orientation }).toBuffer();
      expect(readJpegOrientation(tagged)).toBe(orientation);
    }
  });

  it('gives up (undefined) on markers it cannot walk', () => {
    expect(readJpegOrientation(new Uint8Array([0xff, 0xd8, 0x00, 0x00, 0x00]))).toBeUndefined();
    // A segment claiming more bytes than the file has.
    expect(
      readJpegOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x7f, 0xff])),
    ).toBeUndefined();
  });
});

describe.runIf(available || required)('libjpeg-turbo decode', () => {
  it('loads (CI installs libturbojpeg0)', () => {
    expect(jpegDecoder()).toMatchObject({ name: 'libjpeg-turbo' });
  });

  it('gives sharp’s bytes (and so Pillow’s) on every ants/bees JPEG', async () => {
    let compared = 0;
    for (const split of ['train', 'val']) {
      for (const label of ['ants', 'bees']) {
        const folder = join(hymenoptera, split, label);
        for (const name of (await readdir(folder)).filter((file) => file.endsWith('.jpg'))) {
          const bytes = await readFile(join(folder, name));
          const fast = await decodeTurboJpeg({ bytes: bytes, maximumPixels: 2 ** 28 });
          const reference = await sharpPixels(bytes);
          expect(fast, name).toBeDefined();
          expect([fast?.width, fast?.height], name).toEqual([reference.width, reference.height]);
          expect(
            Buffer.compare(Buffer.from(fast?.data ?? []), Buffer.from(reference.data)),
            name,
          ).toBe(0);
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(390);
  });

  it('decodes grayscale JPEGs to RGB as sharp does', async () => {
    const gray = await gradient(33, 17).grayscale().jpeg().toBuffer();
    const fast = await decodeTurboJpeg({ bytes: gray, maximumPixels: 2 ** 28 });
    expect(fast).toBeDefined();
    expect(Buffer.from(fast?.data ?? [])).toEqual(Buffer.from((await sharpPixels(gray)).data));
  });

  it('leaves rotations, CMYK, oversize and truncated files to sharp, with sharp’s results', async () => {
    const rotated = await gradient(24, 16).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await decodeTurboJpeg({ bytes: rotated, maximumPixels: 2 ** 28 })).toBeUndefined();
    expect(await decodePixels(rotated, 'rotated.jpg')).toMatchObject({ width: 16, height: 24 });

    const cmyk = await gradient(24, 16).toColourspace('cmyk').jpeg().toBuffer();
    expect(await decodeTurboJpeg({ bytes: cmyk, maximumPixels: 2 ** 28 })).toBeUndefined();
    expect((await decodePixels(cmyk, 'cmyk.jpg')).data).toEqual((await sharpPixels(cmyk)).data);

    const plain = await gradient(24, 16).jpeg().toBuffer();
    expect(await decodeTurboJpeg({ bytes: plain, maximumPixels: 24 * 16 - 1 })).toBeUndefined();
    await expect(decodePixels(plain, 'big.jpg', { maximumPixels: 24 * 16 - 1 })).rejects.toThrow(
      /big\.jpg/,
    );

    const truncated = plain.subarray(0, Math.floor(plain.length * 0.6));
    expect(await decodeTurboJpeg({ bytes: truncated, maximumPixels: 2 ** 28 })).toBeUndefined();
    await expect(decodePixels(truncated, 'truncated.jpg')).rejects.toBeInstanceOf(FileFormatError);
  });

  it('decodes concurrently on libuv threads with one handle per decode', async () => {
    const images = await Promise.all(
      [11, 12, 13, 14, 15, 16].map((size) =>
        gradient(size * 4, size * 3)
          .jpeg()
          .toBuffer(),
      ),
    );
    const decoded = await Promise.all(
      images.map((bytes) => decodeTurboJpeg({ bytes: bytes, maximumPixels: 2 ** 28 })),
    );
    for (const [index, bytes] of images.entries()) {
      expect(Buffer.from(decoded[index]?.data ?? [])).toEqual(
        Buffer.from((await sharpPixels(bytes)).data),
      );
    }
  });
});
