import '@tensorflow/tfjs-backend-cpu';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFormatError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../image/compose.js';
import { cutmix } from '../image/ops/cutmix.js';
import { normalize } from '../image/ops/normalize.js';
import { randAugment } from '../image/ops/rand-augment.js';
import { standardAugmentation } from '../image/standard-augmentation.js';
import { decodeImage } from './decode-image.js';
import { renderPreviewGrid } from './render-preview-grid.js';

const shared = process.env.GRAFT_SHARED_DIR ?? '';
const ant = join(shared, 'data/hymenoptera/train/ants/0013035.jpg');
const bee = join(shared, 'data/hymenoptera/train/bees/1092977343_cb42b38d62.jpg');

describe('preview grid', () => {
  let directory: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'graft-augmentation-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('decodes a JPEG to [H, W, 3] pixels in [0, 255]', async () => {
    const image = await decodeImage(ant);
    const metadata = await sharp(ant).metadata();
    expect(image.shape).toEqual([metadata.height, metadata.width, 3]);
    const values = Array.from(await image.data());
    const low = values.reduce((min, value) => Math.min(min, value), Infinity);
    const high = values.reduce((max, value) => Math.max(max, value), -Infinity);
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThanOrEqual(255);
    expect(high).toBeGreaterThan(200);
    image.dispose();
    await expect(decodeImage(Buffer.from('not an image'))).rejects.toSatisfy((error) =>
      FileFormatError.isInstance(error),
    );
  });

  it('renders rows x columns cells of augmented variants to a PNG, without leaks', async () => {
    const output = join(directory, 'standard.png');
    const before = tf.memory().numTensors;
    const png = await renderPreviewGrid({
      images: [ant, bee],
      augmentation: standardAugmentation({ size: 48 }),
      rows: 2,
      columns: 3,
      gap: 2,
      inputSize: [64, 64],
      output,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(existsSync(output)).toBe(true);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    // 2 + 3 * (48 + 2) wide, 2 + 2 * (48 + 2) high.
    expect([info.width, info.height, info.channels]).toEqual([152, 102, 3]);
    // Cells differ from one another (the pipeline is random); the gap is white.
    const cell = (row: number, column: number) => {
      const values: number[] = [];
      for (let y = 0; y < 48; y++) {
        const start = ((2 + row * 50 + y) * 152 + 2 + column * 50) * 3;
        values.push(...data.subarray(start, start + 48 * 3));
      }
      return values;
    };
    const difference = (a: number[], b: number[]) =>
      a.reduce((sum, value, index) => sum + Math.abs(value - (b[index] ?? 0)), 0) / a.length;
    expect(difference(cell(0, 1), cell(1, 1))).toBeGreaterThan(5);
    expect(difference(cell(0, 2), cell(1, 2))).toBeGreaterThan(5);
    expect(data[0]).toBe(255);
  });

  it('previews a mixing pipeline from a single image (numClasses at least 2)', async () => {
    const png = await renderPreviewGrid({
      images: [ant],
      augmentation: compose([cutmix({ alpha: 1 })]),
      rows: 1,
      columns: 3,
      inputSize: [16, 16],
    });
    const { width, height } = await sharp(png).metadata();
    expect([width, height]).toEqual([4 + 3 * (16 + 4), 4 + 16 + 4]); // 3 cells and the default gap 4
  });

  it('leaks nothing when the augmentation throws, and needs room for a variant', async () => {
    const before = tf.memory().numTensors;
    const failing = {
      name: 'failing',
      apply: () => {
        throw new Error('boom');
      },
      toConfig: () => ({ name: 'failing' }),
    };
    await expect(
      renderPreviewGrid({
        images: [ant],
        augmentation: failing,
        rows: 1,
        columns: 2,
        inputSize: [16, 16],
      }),
    ).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      renderPreviewGrid({ images: [ant], augmentation: failing, rows: 1, columns: 1 }),
    ).rejects.toThrow(/at least one variant/);
  });

  it('maps normalised output back to visible pixels and handles label mixing', async () => {
    const png = await renderPreviewGrid({
      images: [ant, bee],
      augmentation: compose([
        randAugment({ magnitude: 9 }),
        cutmix(),
        normalize({ range: [-1, 1] }),
      ]),
      rows: 1,
      columns: 3,
      inputSize: [40, 40],
      seed: 3,
    });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(4 + 3 * 44);
    const center = data.subarray((20 * info.width + 60) * 3, (20 * info.width + 60) * 3 + 3);
    expect(Array.from(center).some((value) => value > 0 && value < 255)).toBe(true);
  });
});
