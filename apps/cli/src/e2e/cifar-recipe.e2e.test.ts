import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { writeCifarFixture } from '../testing/write-cifar-fixture.js';
import { requireBinary, runBinary } from './run-binary.js';

// The seed's recipe — Keras MobileNetV2 + global average pooling + Dense(1024) on CIFAR-10 — as
// one command, through the built binary, on a CIFAR-10 subset written at test time in the
// official binary layout: the real ants and bees photos (hymenoptera: train/ → data batches,
// val/ → test batch; 243 and 153 images) downscaled to 32×32, found
// where `graft train cifar10` looks (`<GRAFT_CACHE_DIR>/cifar/cifar-10-batches-bin`).
const shared = process.env.GRAFT_SHARED_DIR ?? '';
const mirror = process.env.GRAFT_MIRROR ?? join(shared, 'weights');
const hymenoptera = join(shared, 'data', 'hymenoptera');
let directory: string;

beforeAll(async () => {
  requireBinary();
  directory = await mkdtemp(join(tmpdir(), 'graft-cifar-recipe-'));
  await writeCifarFixture({
    directory: join(directory, 'cache', 'cifar'),
    classes: ['ants', 'bees'].map((name) => ({
      name,
      train: join(hymenoptera, 'train', name),
      test: join(hymenoptera, 'val', name),
    })),
  });
});

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('graft train cifar10 --head mlp:units=1024', () => {
  it('trains MobileNetV2 + Dense(1024) on CIFAR-10 files and reports test accuracy', async () => {
    const out = join(directory, 'run');
    const result = await runBinary(
      [
        ...['--backend', 'wasm', 'train', 'cifar10', '--backbone', 'mobilenet_v2_0.35_224'],
        ...['--head', 'mlp:units=1024', '--extraction-workers', '1', '--out', out],
      ],
      {
        env: {
          GRAFT_CACHE_DIR: join(directory, 'cache'),
          GRAFT_MIRROR: mirror,
          GRAFT_OFFLINE: '1',
        },
      },
    );
    expect(result.code, result.stderr).toBe(exitCodes.success);
    // Real ImageNet weights, from the mirror (offline: nothing else could have been used).
    expect(result.stderr).toMatch(/weights \S*mobilenet_v2\S*0\.35_224/);
    expect(result.stderr).toContain('cifar10 (train split 0.9/0.1/0, official test set)');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      test: { count: number; accuracy: number; classNames: string[] };
    };
    expect(report.test.count).toBe(153);
    expect(report.test.classNames.slice(0, 2)).toEqual(['ants', 'bees']);
    // Two classes, 83 of 153 test images bees: a constant guess scores ≤ 0.54, and a coin
    // reaches 0.62 with p < 0.002.
    expect(report.test.accuracy).toBeGreaterThanOrEqual(0.62);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as {
      head: string;
    };
    expect(config.head).toBe('mlp:units=1024');
    // The saved model: Dense(1024) on pooled features, and new images resized as the training
    // images were (whole, bilinear), not with the crop policy the CLI uses for photos.
    const metadata = JSON.parse(await readFile(join(out, 'model', 'metadata.json'), 'utf8')) as {
      graft: {
        preprocessing: { resize: { mode: string; interpolation: string } };
        head: { name: string; hiddenUnits: number[] };
      };
    };
    expect(metadata.graft.head).toMatchObject({ name: 'mlp', hiddenUnits: [1024] });
    expect(metadata.graft.preprocessing.resize).toMatchObject({
      mode: 'stretch',
      interpolation: 'bilinear',
    });
  }, 600_000);
});
