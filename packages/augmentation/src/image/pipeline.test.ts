import '@tensorflow/tfjs-backend-cpu';
import {
  disposeBatch,
  type ImageAugmentation,
  type ImageBatch,
  type JsonObject,
} from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import { childSeed } from './define-image-op.js';
import {
  fromConfig,
  imageOpDescriptors,
  imageOpNames,
  registerImageOp,
} from './image-op-registry.js';
import { colorJitter } from './ops/color-jitter.js';
import { mixup } from './ops/mixup.js';
import { randomFlip } from './ops/random-flip.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';
import { randomRotation } from './ops/random-rotation.js';
import { resize } from './ops/resize.js';
import { randomApply } from './random-apply.js';
import { standardAugmentation } from './standard-augmentation.js';
import { maxDifference, testBatch } from './test-batch.js';

const options = { seed: 21, numClasses: 3 };

describe('compose, randomApply, registry', () => {
  let batch: ImageBatch;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    batch = testBatch({ count: 8 });
  });

  it('compose seeds op i from the call seed and i, and keeps keys and sources', () => {
    const flip = randomFlip();
    const rotate = randomRotation();
    const keyed = { ...batch, keys: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], sources: ['s'] };
    const composed = compose([flip, rotate]).apply(keyed, options);
    const step = flip.apply(batch, { ...options, seed: childSeed(21, 0) });
    const manual = rotate.apply(step, { ...options, seed: childSeed(21, 1) });
    expect(maxDifference(composed.images, manual.images)).toBe(0);
    expect(composed.keys).toEqual(keyed.keys);
    expect(composed.sources).toEqual(['s']);
    [composed, step, manual].forEach(disposeBatch);
  });

  it('an empty compose copies the batch', () => {
    const result = compose([]).apply(batch, options);
    expect(result.images).not.toBe(batch.images);
    expect(maxDifference(result.images, batch.images)).toBe(0);
    disposeBatch(result);
  });

  it('randomApply: probability 0 keeps, 1 equals the op with its derived seed, 0.5 mixes', async () => {
    const rotate = randomRotation({ degrees: [20, 40] });
    const never = randomApply(0, rotate).apply(batch, options);
    expect(maxDifference(never.images, batch.images)).toBe(0);
    const always = randomApply(1, rotate).apply(batch, options);
    const direct = rotate.apply(batch, { ...options, seed: childSeed(21, 'op') });
    expect(maxDifference(always.images, direct.images)).toBe(0);
    const half = randomApply(0.5, rotate).apply(batch, options);
    const unchanged = await tf.max(tf.abs(tf.sub(half.images, batch.images)), [1, 2, 3]).data();
    const kept = Array.from(unchanged).filter((value) => value === 0).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(8);
    [never, always, direct, half].forEach(disposeBatch);
  });

  it('randomApply of a label-mixing op gives one-hot rows to the images it skipped', async () => {
    const result = randomApply(0.5, mixup({ alpha: 1 })).apply(batch, options);
    expect(result.labels.shape).toEqual([8, 3]);
    const rows = (await result.labels.array()) as number[][];
    const original = await batch.labels.data();
    const pixelsUnchanged = await tf
      .max(tf.abs(tf.sub(result.images, batch.images)), [1, 2, 3])
      .data();
    rows.forEach((row, index) => {
      if (pixelsUnchanged[index] === 0) {
        expect(row).toEqual([0, 1, 2].map((label) => (label === original[index] ? 1 : 0)));
      }
      expect(row.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
    });
    disposeBatch(result);
    await expectNoTensorLeaks(() => randomApply(0.5, mixup()).apply(batch, options), {
      dispose: disposeBatch,
    });
  });

  it('randomApply refuses an op that changes the image size', () => {
    expect(() => randomApply(0.5, resize({ size: 8 })).apply(batch, options)).toThrow(
      /randomApply\.op.*must keep the image size \(20x28\)/,
    );
  });

  it('nested pipelines round-trip through JSON exactly', () => {
    const pipeline = compose([
      standardAugmentation({ size: 16 }),
      randomApply(0.3, compose([randomRotation({ degrees: 10 }), colorJitter({ hue: 0.1 })])),
    ]);
    const config = pipeline.toConfig();
    const text = JSON.stringify(config);
    const rebuilt = fromConfig(JSON.parse(text) as JsonObject);
    expect(rebuilt.toConfig()).toEqual(config);
    expect(JSON.stringify(rebuilt.toConfig())).toBe(text);
    const a = pipeline.apply(batch, options);
    const b = rebuilt.apply(batch, options);
    expect(maxDifference(a.images, b.images)).toBe(0);
    [a, b].forEach(disposeBatch);
  });

  it('fulfils the core ImageAugmentation contract the trainer uses', async () => {
    const augmentation: ImageAugmentation = standardAugmentation({ size: 16 });
    const result = augmentation.apply(batch, options);
    expect(result.images.shape).toEqual([8, 16, 16, 3]);
    expect(result.labels.dtype).toBe('int32');
    expect(Array.from(await result.labels.data())).toEqual(Array.from(await batch.labels.data()));
    expect(fromConfig(augmentation.toConfig()).toConfig()).toEqual(augmentation.toConfig());
    disposeBatch(result);
  });

  it('standardAugmentation is crop + flip + jitter at the requested size', () => {
    const config = standardAugmentation({ size: [32, 48] }).toConfig();
    const ops = (config.options.ops as JsonObject[]).map((op) => op.name);
    expect(ops).toEqual(['randomResizedCrop', 'randomFlip', 'colorJitter']);
    expect((config.options.ops as JsonObject[])[0]?.options).toMatchObject({ size: [32, 48] });
  });

  it('lists the ops and accepts custom ones', () => {
    const descriptors = imageOpDescriptors();
    expect(descriptors.map((descriptor) => descriptor.name)).toEqual(imageOpNames());
    expect(descriptors.every((descriptor) => descriptor.description.length > 10)).toBe(true);
    expect(imageOpNames()).toEqual(
      expect.arrayContaining([
        'compose',
        'randomApply',
        'randomResizedCrop',
        'mixup',
        'randAugment',
      ]),
    );
    registerImageOp({
      name: 'testInvert',
      description: 'invert (test only)',
      create: () => ({
        name: 'testInvert',
        options: {},
        apply: (input) => ({ images: tf.sub(255, input.images), labels: tf.clone(input.labels) }),
        toConfig: () => ({ name: 'testInvert', options: {} }),
      }),
    });
    const pipeline = fromConfig({
      name: 'compose',
      options: {
        ops: [{ name: 'testInvert', options: {} }, randomResizedCrop({ size: 8 }).toConfig()],
      },
    });
    const result = pipeline.apply(batch, options);
    expect(result.images.shape).toEqual([8, 8, 8, 3]);
    disposeBatch(result);
  });
});
