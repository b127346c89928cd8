import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackboneDescriptor } from '@graft/backbones';
import type { ResizeTarget } from '@graft/datasets/node';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../config/train-config.js';
import { mobileNetV2Resize } from './defaults.js';
import {
  adoptEarlyDecodePrefetch,
  closeEarlyDecodePrefetch,
  earlyDecodeRequest,
  isEarlyDecodePrefetch,
  startEarlyDecodePrefetch,
} from './early-decode-prefetch.js';
import { startTrainingDecodePrefetch } from './training-decode-prefetch.js';

const demo = ['--backbone', 'mobilenet_v2_1.0_224', '--mode', 'feature-extraction'];

describe('earlyDecodeRequest', () => {
  it("reads the demo recipe's arguments, global options first or not", () => {
    expect(earlyDecodeRequest(['train', 'data', ...demo, '--epochs', '20', '--out', 'x'])).toEqual({
      data: 'data',
      featureCache: true,
    });
    expect(earlyDecodeRequest(['--json', '--backend=wasm', 'train', 'data', '--lr=0.1'])).toEqual({
      data: 'data',
      featureCache: true,
    });
    expect(earlyDecodeRequest(['-v', 'train', 'data', '--no-cache'])).toEqual({
      data: 'data',
      featureCache: false,
    });
  });

  it('starts nothing for other commands, recipes, or flags it does not know', () => {
    for (const argv of [
      ['eval', 'run', 'data'],
      ['train'],
      ['train', '--backbone', 'mobilenet_v2_1.0_224', 'data'],
      ['train', 'data', '--mode', 'fine-tune'],
      ['train', 'data', '--mode=fine-tune'],
      ['train', 'data', '--augment', 'flip'],
      ['train', 'data', '--config', 'recipe.yaml'],
      ['train', 'data', '--folds', '5'],
      ['train', 'data', '--split-manifest', 'm.json'],
      ['train', 'data', '--backbone', './my_model/model.json'],
      ['train', 'data', '--epochs'],
    ]) {
      expect(earlyDecodeRequest(argv), argv.join(' ')).toBeUndefined();
    }
  });
});

async function folder(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'graft-early-prefetch-'));
  for (const split of ['train', 'val']) {
    await mkdir(join(root, split, 'a'), { recursive: true });
    const image = await sharp({
      create: { width: 40, height: 30, channels: 3, background: { r: 20, g: 110, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    await writeFile(join(root, split, 'a', 'one.jpg'), image);
  }
  return root;
}

const configOf = (overrides: Partial<TrainConfig>) =>
  ({
    backbone: 'mobilenet_v2_1.0_224',
    mode: 'feature-extraction',
    augment: undefined,
    head: 'linear',
    labels: undefined,
    labelDelimiter: ',',
    splitManifest: undefined,
    ...overrides,
  }) as TrainConfig;

describe('the early decode prefetch', () => {
  const preprocessing = getBackboneDescriptor('mobilenet_v2_1.0_224').preprocessing;
  const previousCache = process.env.GRAFT_CACHE_DIR;
  beforeEach(async () => {
    process.env.GRAFT_CACHE_DIR = await mkdtemp(join(tmpdir(), 'graft-early-prefetch-cache-'));
  });
  afterEach(async () => {
    await closeEarlyDecodePrefetch();
    if (previousCache === undefined) delete process.env.GRAFT_CACHE_DIR;
    else process.env.GRAFT_CACHE_DIR = previousCache;
  });

  it('is adopted by graft train when the parsed options agree, with their resize target', async () => {
    const data = await folder();
    await startEarlyDecodePrefetch(['train', data, ...demo]);
    const prefetch = await startTrainingDecodePrefetch({
      config: configOf({ data }),
      preprocessing,
      featureCache: true,
    });
    try {
      expect(prefetch && isEarlyDecodePrefetch(prefetch)).toBe(true);
      expect(prefetch?.target?.resize).toEqual(mobileNetV2Resize);
      const taken = await prefetch?.take(
        join(data, 'val/a/one.jpg'),
        prefetch.target as ResizeTarget,
      );
      expect(taken?.pixels.length).toBe(224 * 224 * 3);
      // Handed out once.
      expect(await adoptEarlyDecodePrefetch(data)).toBeUndefined();
    } finally {
      await prefetch?.close();
    }
  });

  it('is closed, and a plain one started, when the parsed options disagree', async () => {
    const data = await folder();
    await startEarlyDecodePrefetch(['train', data]);
    // A config file said fine-tune, say: nothing is prefetched and the early one is gone.
    expect(
      await startTrainingDecodePrefetch({
        config: configOf({ data, mode: 'fine-tune' }),
        preprocessing,
        featureCache: true,
      }),
    ).toBeUndefined();
    expect(await adoptEarlyDecodePrefetch(data)).toBeUndefined();
    // Another folder than the arguments named: a prefetch of its own.
    const other = await folder();
    await startEarlyDecodePrefetch(['train', data]);
    const prefetch = await startTrainingDecodePrefetch({
      config: configOf({ data: other }),
      preprocessing,
      featureCache: true,
    });
    try {
      expect(prefetch && !isEarlyDecodePrefetch(prefetch)).toBe(true);
    } finally {
      await prefetch?.close();
    }
  });

  it('starts nothing on a feature cache that holds entries, or on a path that is no folder', async () => {
    const data = await folder();
    await startEarlyDecodePrefetch(['train', join(data, 'missing')]);
    expect(await adoptEarlyDecodePrefetch(join(data, 'missing'))).toBeUndefined();
    const features = join(process.env.GRAFT_CACHE_DIR as string, 'features');
    await mkdir(features, { recursive: true });
    await writeFile(join(features, 'entry'), 'x');
    await startEarlyDecodePrefetch(['train', data]);
    expect(await adoptEarlyDecodePrefetch(data)).toBeUndefined();
    // --no-cache reads no cache: decoding starts.
    await startEarlyDecodePrefetch(['train', data, '--no-cache']);
    const prefetch = await adoptEarlyDecodePrefetch(data);
    expect(prefetch).toBeDefined();
    await prefetch?.close();
  });
});
