import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError, type ResizePolicy } from '@graft/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeBmp, encodeNetpbm, testPixels } from '../testing/encode-test-images.js';
import { oversizedBmp, oversizedNetpbm, oversizedPng } from '../testing/oversized-images.js';
import { decodeImage, decodePixels } from './decode-image.js';

const stretchNearest: ResizePolicy = { mode: 'stretch', interpolation: 'nearest' };
const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4, data: Uint8Array) =>
  sharp(data, { raw: { width, height, channels } });

describe('decodeImage', () => {
  const width = 6;
  const height = 4;
  const rgb = testPixels(width, height);
  const same = { imageSize: [height, width] as const, resize: stretchNearest };

  it('decodes lossless PNG, WebP and TIFF exactly at their own size', async () => {
    const encoded = {
      png: await raw(width, height, 3, rgb).png().toBuffer(),
      webp: await raw(width, height, 3, rgb).webp({ lossless: true }).toBuffer(),
      tiff: await raw(width, height, 3, rgb).tiff({ compression: 'none' }).toBuffer(),
    };
    for (const [format, bytes] of Object.entries(encoded)) {
      const pixels = await decodeImage(bytes, `x.${format}`, same);
      expect([...pixels], format).toEqual([...rgb]);
    }
  });

  it('turns gray into RGB and drops alpha', async () => {
    const gray = new Uint8Array(width * height).map((_, index) => index * 10);
    const grayPng = await raw(width, height, 1, gray).png().toBuffer();
    expect([...(await decodeImage(grayPng, 'g.png', same))]).toEqual(
      [...gray].flatMap((value) => [value, value, value]),
    );
    const rgba = new Uint8Array(width * height * 4).map((_, index) =>
      index % 4 === 3 ? 7 : index,
    );
    const rgbaPng = await raw(width, height, 4, rgba).png().toBuffer();
    const pixels = await decodeImage(rgbaPng, 'a.png', same);
    expect([...pixels]).toEqual([...rgba].filter((_, index) => index % 4 !== 3));
  });

  it('reads 16-bit PNG as 8-bit', async () => {
    const samples = new Uint16Array(width * height * 3).map((_, index) => index * 900);
    const png16 = await sharp(samples, { raw: { width, height, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const pixels = await decodeImage(png16, 'deep.png', same);
    const expected = [...samples].map((value) => value / 257);
    const largestError = Math.max(
      ...[...pixels].map((value, index) => Math.abs(value - (expected[index] as number))),
    );
    expect(largestError).toBeLessThanOrEqual(1);
  });

  it('applies EXIF orientation', async () => {
    // 8 wide x 4 tall: left half red, right half blue. Orientation 6 = rotate 90° clockwise.
    const pixels = new Uint8Array(8 * 4 * 3);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 8; x++) pixels.set(x < 4 ? [255, 0, 0] : [0, 0, 255], (y * 8 + x) * 3);
    const jpeg = await raw(8, 4, 3, pixels)
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const decoded = await decodeImage(jpeg, 'o.jpg', { imageSize: [8, 4], resize: stretchNearest });
    const at = (x: number, y: number) => [
      ...decoded.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3),
    ];
    // After rotation the image is 4 wide x 8 tall, red on top, blue below.
    expect(at(1, 1)[0]).toBeGreaterThan(200);
    expect(at(1, 1)[2]).toBeLessThan(60);
    expect(at(1, 6)[2]).toBeGreaterThan(200);
    expect(at(1, 6)[0]).toBeLessThan(60);
  });

  it('decodes netpbm and BMP through its own decoders and resizes them', async () => {
    const ppm = encodeNetpbm({ kind: 'P6', width, height, maxValue: 255, samples: [...rgb] });
    expect([...(await decodeImage(ppm, 'x.ppm', same))]).toEqual([...rgb]);
    const bmp = encodeBmp({ width, height, rgb, bitsPerPixel: 24 });
    expect([...(await decodeImage(bmp, 'x.bmp', same))]).toEqual([...rgb]);
    // Nearest 2x downscale keeps one of every 2x2 block.
    const half = await decodeImage(bmp, 'x.bmp', { imageSize: [2, 3], resize: stretchNearest });
    expect(half.length).toBe(2 * 3 * 3);
    const sourcePixels = new Set<string>();
    for (let index = 0; index < width * height; index++)
      sourcePixels.add([...rgb.subarray(index * 3, index * 3 + 3)].join(','));
    for (let index = 0; index < 6; index++)
      expect(sourcePixels.has([...half.subarray(index * 3, index * 3 + 3)].join(','))).toBe(true);
  });

  it('center-crop keeps the centre of the image, for own and sharp decoders', async () => {
    // 60 wide x 20 tall: red, green, blue thirds. Cropping 16x16 at fraction 1 keeps the green third.
    const thirds = new Uint8Array(60 * 20 * 3);
    for (let y = 0; y < 20; y++)
      for (let x = 0; x < 60; x++)
        thirds.set(x < 20 ? [255, 0, 0] : x < 40 ? [0, 255, 0] : [0, 0, 255], (y * 60 + x) * 3);
    const inputs = {
      bmp: encodeBmp({ width: 60, height: 20, rgb: thirds, bitsPerPixel: 24 }),
      png: await raw(60, 20, 3, thirds).png().toBuffer(),
    };
    for (const [format, bytes] of Object.entries(inputs)) {
      for (const interpolation of ['nearest', 'bilinear', 'bicubic'] as const) {
        const pixels = await decodeImage(bytes, `x.${format}`, {
          imageSize: [16, 16],
          resize: { mode: 'center-crop', cropFraction: 1, interpolation },
        });
        expect(pixels.length).toBe(16 * 16 * 3);
        for (let pixel = 0; pixel < 256; pixel++) {
          // Only the outermost columns may blend with the neighbouring thirds.
          if (pixel % 16 === 0 || pixel % 16 === 15) continue;
          expect(
            [...pixels.subarray(pixel * 3, pixel * 3 + 3)],
            `${format} ${interpolation}`,
          ).toEqual([0, 255, 0]);
        }
      }
      // With the default 0.875 crop, the window is narrower than the green third: still all green.
      const cropped = await decodeImage(bytes, `x.${format}`, {
        imageSize: [14, 14],
        resize: { mode: 'center-crop', interpolation: 'nearest' },
      });
      expect(
        new Set(
          Array.from({ length: 196 }, (_, pixel) =>
            cropped.subarray(pixel * 3, pixel * 3 + 3).join(','),
          ),
        ),
      ).toEqual(new Set(['0,255,0']));
    }
  });

  it('rejects corrupt and truncated files with an error naming them', async () => {
    const jpeg = await raw(32, 32, 3, testPixels(32, 32)).jpeg().toBuffer();
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    await expect(decodeImage(truncated, '/data/cut.jpg', same)).rejects.toThrow(
      /\/data\/cut\.jpg: cannot decode/,
    );
    await expect(decodeImage(new Uint8Array(100).fill(7), 'noise.png', same)).rejects.toSatisfy(
      (error: unknown) => FileFormatError.isInstance(error) && error.file === 'noise.png',
    );
  });

  it('refuses a declared size above the pixel cap, from every decoder, naming size and cap', async () => {
    const cases: [string, Uint8Array][] = [
      ['huge.png', await oversizedPng(100000, 100000)],
      ['huge.bmp', oversizedBmp(100000, 100000)],
      ['huge.pgm', oversizedNetpbm('P5', 100000, 100000)],
      ['huge.ppm', oversizedNetpbm('P6', 100000, 100000)],
    ];
    for (const [file, bytes] of cases) {
      await expect(decodeImage(bytes, file, same), file).rejects.toSatisfy(
        (error: unknown) =>
          FileFormatError.isInstance(error) &&
          error.file === file &&
          /declared size 100000x100000 \(10000000000 pixels\) exceeds the limit of 268435456 pixels/.test(
            error.message,
          ),
      );
    }
  });

  it('takes the pixel cap as an option, for sharp formats too', async () => {
    const png = await raw(width, height, 3, rgb).png().toBuffer();
    expect((await decodePixels(png, 'x.png', { maximumPixels: width * height })).width).toBe(width);
    await expect(decodePixels(png, 'x.png', { maximumPixels: width * height - 1 })).rejects.toThrow(
      /x\.png: declared size 6x4 \(24 pixels\) exceeds the limit of 23 pixels/,
    );
  });

  it('decodes the real 24-bit BMP and JPEG samples to 224x224', async () => {
    const folder = join(process.env.GRAFT_SHARED_DIR ?? '', 'images', 'imagenet-samples');
    for (const name of ['cat.bmp', 'grace_hopper.bmp', 'hot_dog.jpg']) {
      const pixels = await decodeImage(await readFile(join(folder, name)), name, {
        imageSize: [224, 224],
        resize: { mode: 'stretch', interpolation: 'bilinear' },
      });
      expect(pixels.length).toBe(224 * 224 * 3);
      const mean = pixels.reduce((sum, value) => sum + value, 0) / pixels.length;
      expect(mean).toBeGreaterThan(20);
      expect(mean).toBeLessThan(235);
    }
  });
});
