import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackboneDescriptor } from '@graft/backbones';
import type { ResizeTarget } from '@graft/datasets/node';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../config/train-config.js';
import { mobileNetV2Resize } from './defaults.js';
import { startTrainingDecodePrefetch } from './training-decode-prefetch.js';

async function folder(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'graft-prefetch-'));
  for (const [split, name] of [
    ['val', 'a'],
    ['train', 'b'],
  ]) {
    await mkdir(join(root, split as string, name as string), { recursive: true });
    const image = await sharp({
      create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 10, b: 90 } },
    })
      .jpeg()
      .toBuffer();
    await writeFile(join(root, split as string, name as string, 'one.jpg'), image);
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

describe('startTrainingDecodePrefetch', () => {
  const started: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((prefetch) => prefetch.close()));
  });
  const preprocessing = getBackboneDescriptor('mobilenet_v2_1.0_224').preprocessing;

  it('decodes a folder for clean frozen extraction, with the resize the CLI gives the backbone', async () => {
    const data = await folder();
    const prefetch = await startTrainingDecodePrefetch({
      config: configOf({ data }),
      preprocessing,
      featureCache: false,
    });
    expect(prefetch).toBeDefined();
    if (prefetch) started.push(prefetch);
    // MobileNetV2's registered policy is stretch; graft train crops (defaults.ts).
    expect(prefetch?.target?.resize).toEqual(mobileNetV2Resize);
    const taken = await prefetch?.take(
      join(data, 'train/b/one.jpg'),
      prefetch.target as ResizeTarget,
    );
    expect(taken?.pixels.length).toBe(224 * 224 * 3);
  });

  it('starts nothing when the feature cache it reads already holds entries', async () => {
    const data = await folder();
    const cache = await mkdtemp(join(tmpdir(), 'graft-prefetch-cache-'));
    const previous = process.env.GRAFT_CACHE_DIR;
    process.env.GRAFT_CACHE_DIR = cache;
    try {
      const config = configOf({ data });
      const cold = await startTrainingDecodePrefetch({ config, preprocessing, featureCache: true });
      expect(cold).toBeDefined();
      if (cold) started.push(cold);
      await mkdir(join(cache, 'features'), { recursive: true });
      await writeFile(join(cache, 'features', 'entry'), 'x');
      expect(
        await startTrainingDecodePrefetch({ config, preprocessing, featureCache: true }),
      ).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.GRAFT_CACHE_DIR;
      else process.env.GRAFT_CACHE_DIR = previous;
    }
  });

  it('starts nothing for augmented, fine-tuning or non-folder runs', async () => {
    const data = await folder();
    for (const config of [
      configOf({ data, augment: 'flip' }),
      configOf({ data, mode: 'fine-tune' }),
      configOf({ data: 'cifar10' }),
      configOf({ data: join(data, 'missing') }),
    ]) {
      expect(
        await startTrainingDecodePrefetch({ config, preprocessing, featureCache: false }),
      ).toBeUndefined();
    }
  });
});
