import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageExtensions } from '@graft/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { writeOversizedImages } from '../testing/oversized-images.js';
import { runInProcess as run } from '../testing/run-in-process.js';

// In-process `graft train` (MobileNetV2 0.35, 1 epoch, a few real ants/bees) then `graft
// predict` over good and bad files.
const shared = process.env.GRAFT_SHARED_DIR ?? '';
let directory: string;
let runRoot: string;
let images: Record<'ant' | 'bee' | 'corrupt' | 'missing' | 'gif' | 'bmp' | 'pgm' | 'ppm', string>;

beforeAll(async () => {
  process.env.GRAFT_MIRROR = join(shared, 'weights');
  process.env.GRAFT_OFFLINE = '1';
  directory = await mkdtemp(join(tmpdir(), 'graft-predict-'));
  const data = join(directory, 'data');
  for (const split of ['train', 'val']) {
    for (const className of ['ants', 'bees']) {
      const from = join(shared, 'data', 'hymenoptera', split, className);
      const files = (await readdir(from)).filter((name) => name.endsWith('.jpg')).sort();
      await mkdir(join(data, split, className), { recursive: true });
      for (const name of files.slice(0, 3)) {
        await copyFile(join(from, name), join(data, split, className, name));
      }
    }
  }
  runRoot = join(directory, 'run');
  const trained = await run(
    'train',
    data,
    '--backbone',
    'mobilenet_v2_0.35_224',
    '--epochs',
    '1',
    '--batch-size',
    '4',
    '--extraction-workers',
    '1',
    '--out',
    runRoot,
  );
  expect(trained.code, trained.stderr).toBe(exitCodes.success);
  const inputs = join(directory, 'inputs');
  await mkdir(inputs);
  const [bmp, pgm, ppm] = await writeOversizedImages(inputs);
  const [ant] = (await readdir(join(data, 'val', 'ants'))).sort();
  const [bee] = (await readdir(join(data, 'val', 'bees'))).sort();
  images = {
    ant: join(data, 'val', 'ants', ant as string),
    corrupt: join(inputs, 'corrupt.jpg'),
    missing: join(inputs, 'missing.jpg'),
    gif: join(shared, 'data', 'hymenoptera', 'train', 'ants', 'imageNotFound.gif'),
    bmp: bmp as string,
    pgm: pgm as string,
    ppm: ppm as string,
    bee: join(data, 'val', 'bees', bee as string),
  };
  await writeFile(images.corrupt, 'not a jpeg at all');
});
afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft predict over good and bad files', () => {
  it('predicts every readable image, reports each bad one with its error, and exits 3', async () => {
    const result = await run('--json', 'predict', runRoot, ...Object.values(images), '--top', '2');
    expect(result.code, result.stderr).toBe(exitCodes.input);
    expect(result.stderr).toContain('6 of 8 image(s) could not be classified');
    const predictions: {
      image: string;
      top?: { className: string; probability: number }[];
      error?: { code: string; message: string };
    }[] = JSON.parse(result.stdout);
    expect(predictions.map((prediction) => prediction.image)).toEqual(Object.values(images));
    const byImage = new Map(predictions.map((prediction) => [prediction.image, prediction]));
    for (const good of [images.ant, images.bee]) {
      expect(byImage.get(good)?.top).toHaveLength(2);
      expect(byImage.get(good)?.error).toBeUndefined();
    }
    expect(byImage.get(images.missing)?.error).toEqual({
      code: 'ASSET_NOT_FOUND',
      message: 'not found',
    });
    expect(byImage.get(images.gif)?.error).toEqual({
      code: 'FILE_FORMAT',
      message: `unsupported extension .gif; images are ${imageExtensions.join(' ')}`,
    });
    expect(byImage.get(images.corrupt)?.error).toMatchObject({
      code: 'FILE_FORMAT',
      message: expect.stringMatching(/^cannot decode image/),
    });
    for (const huge of [images.bmp, images.pgm, images.ppm]) {
      expect(byImage.get(huge)?.error).toMatchObject({
        code: 'FILE_FORMAT',
        message: expect.stringMatching(/^declared size 100000x100000 .* exceeds the limit/),
      });
    }
  });

  it('lists the errors in the table beside the predictions', async () => {
    const result = await run('predict', runRoot, images.missing, images.ant, images.gif);
    expect(result.code).toBe(exitCodes.input);
    expect(result.stdout).toMatch(new RegExp(`${images.missing}\\s+-\\s+error: not found\\s+-`));
    expect(result.stdout).toMatch(new RegExp(`${images.ant}\\s+1\\s+(ants|bees)\\s+0\\.\\d{4}`));
    expect(result.stdout).toMatch(/error: unsupported extension \.gif; images are \.jpg \.jpeg/);
  });

  it('exits 0 when every image was predicted', async () => {
    const result = await run('predict', runRoot, images.ant, images.bee);
    expect(result.code, result.stderr).toBe(exitCodes.success);
  });
});
