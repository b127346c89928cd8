import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBmp } from '../testing/write-test-images.js';
import { renderTopLosses } from './top-losses.js';

describe('renderTopLosses overlay', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'graft-top-losses-overlay-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('draws each thumbnail from what the overlay made of the decoded image', async () => {
    const source = join(directory, 'grey.bmp');
    await writeFile(source, encodeBmp(new Uint8Array(8 * 8 * 3).fill(128), 8, 8));
    const seen: Array<[number, number, number]> = [];
    const entry = { source, label: 0, predicted: 1, confidence: 0.9, index: 0 };
    const svg = await renderTopLosses({
      misclassified: [entry],
      classNames: ['a', 'b'],
      count: 1,
      overlay: async (image, given) => {
        seen.push([image.width, image.height, given.predicted]);
        // A red image of another size stands in for a heat-map overlay.
        const data = new Uint8Array(4 * 4 * 3);
        for (let pixel = 0; pixel < 16; pixel++) data[pixel * 3] = 255;
        return { width: 4, height: 4, data };
      },
    });
    expect(seen).toEqual([[8, 8, 1]]);
    const base64 = /href="data:image\/jpeg;base64,([^"]+)"/.exec(svg)?.[1] ?? '';
    const { data } = await sharp(Buffer.from(base64, 'base64'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200);
    expect(data[1]).toBeLessThan(60);
  });
});
