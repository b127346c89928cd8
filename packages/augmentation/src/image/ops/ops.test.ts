import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch, type ImageBatch, InvalidArgumentError } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../compose.js';
import type { ImageOp } from '../image-op.js';
import { fromConfig } from '../image-op-registry.js';
import { randomApply } from '../random-apply.js';
import { standardAugmentation } from '../standard-augmentation.js';
import { maxDifference, testBatch } from '../test-batch.js';
import { centerCrop } from './center-crop.js';
import { colorJitter } from './color-jitter.js';
import { cutmix } from './cutmix.js';
import { gaussianBlur } from './gaussian-blur.js';
import { mixup } from './mixup.js';
import { normalize } from './normalize.js';
import { randAugment } from './rand-augment.js';
import { randomCrop } from './random-crop.js';
import { randomErasing } from './random-erasing.js';
import { randomFlip } from './random-flip.js';
import { randomGrayscale } from './random-grayscale.js';
import { randomResizedCrop } from './random-resized-crop.js';
import { randomRotation } from './random-rotation.js';
import { randomTranslation } from './random-translation.js';
import { randomZoom } from './random-zoom.js';
import { resize } from './resize.js';

/** Every op, with the output size it should give for a 20x28 input, and whether it is random. */
const cases: Array<{
  op: ImageOp;
  size: [number, number];
  random: boolean;
  soft?: boolean;
  range?: [number, number];
}> = [
  { op: randomResizedCrop({ size: [12, 16] }), size: [12, 16], random: true },
  {
    op: randomCrop({ size: 16, padding: 4, paddingMode: 'reflect' }),
    size: [16, 16],
    random: true,
  },
  { op: randomCrop({ size: [20, 28], padding: 2 }), size: [20, 28], random: true },
  { op: centerCrop({ size: [10, 10] }), size: [10, 10], random: false },
  { op: resize({ size: 8, interpolation: 'nearest' }), size: [8, 8], random: false },
  { op: randomFlip({ mode: 'horizontalAndVertical' }), size: [20, 28], random: true },
  { op: randomRotation({ degrees: 30 }), size: [20, 28], random: true },
  {
    op: randomRotation({ degrees: [-90, 90], fillMode: 'constant', fillValue: 7 }),
    size: [20, 28],
    random: true,
  },
  {
    op: randomRotation({ degrees: 20, fillMode: 'wrap', interpolation: 'nearest' }),
    size: [20, 28],
    random: true,
  },
  { op: randomZoom({ scale: [0.5, 1.5], fillMode: 'nearest' }), size: [20, 28], random: true },
  { op: randomTranslation({ height: 0.3, width: [0, 0.5] }), size: [20, 28], random: true },
  {
    op: colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }),
    size: [20, 28],
    random: true,
  },
  { op: randomGrayscale({ probability: 0.5 }), size: [20, 28], random: true },
  { op: gaussianBlur({ kernelSize: 5, sigma: [0.5, 3] }), size: [20, 28], random: true },
  { op: normalize({ range: [-1, 1] }), size: [20, 28], random: false, range: [-1, 1] },
  {
    op: normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
    size: [20, 28],
    random: false,
    range: [-2.2, 2.7],
  },
  { op: randomErasing({ probability: 1, value: 'random' }), size: [20, 28], random: true },
  { op: mixup({ alpha: 1 }), size: [20, 28], random: true, soft: true },
  { op: cutmix(), size: [20, 28], random: true, soft: true },
  { op: randAugment({ numOps: 3, magnitude: 15 }), size: [20, 28], random: true },
  {
    op: compose([randomFlip(), randomApply(0.5, mixup())]),
    size: [20, 28],
    random: true,
    soft: true,
  },
  { op: standardAugmentation({ size: 16 }), size: [16, 16], random: true },
];

describe('every image op', () => {
  let batch: ImageBatch;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    batch = testBatch();
  });

  it.each(cases.map((entry) => [entry.op.name, entry] as const))(
    '%s: shape, value range, determinism, config round trip, no leaks',
    async (_name, entry) => {
      const options = { seed: 11, numClasses: 3 };
      const first = entry.op.apply(batch, options);
      expect(first.images.shape).toEqual([6, ...entry.size, 3]);
      expect(first.images.dtype).toBe('float32');
      const [low, high] = entry.range ?? [0, 255];
      const values = await first.images.data();
      expect(Math.min(...values)).toBeGreaterThanOrEqual(low - 1e-3);
      expect(Math.max(...values)).toBeLessThanOrEqual(high + 1e-3);
      if (entry.soft) {
        expect(first.labels.shape).toEqual([6, 3]);
        const sums = await tf.sum(first.labels, 1).data();
        for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
      } else {
        expect(await first.labels.data()).toEqual(await batch.labels.data());
      }
      // Input untouched, output new.
      expect(batch.images.isDisposed).toBe(false);
      expect(first.images).not.toBe(batch.images);

      const again = entry.op.apply(batch, options);
      expect(maxDifference(first.images, again.images)).toBe(0);
      const other = entry.op.apply(batch, { ...options, seed: 12 });
      if (entry.random) expect(maxDifference(first.images, other.images)).toBeGreaterThan(0);
      else expect(maxDifference(first.images, other.images)).toBe(0);

      const config = entry.op.toConfig();
      const json = JSON.parse(JSON.stringify(config));
      expect(json).toEqual(config);
      const rebuilt = fromConfig(json);
      expect(rebuilt.toConfig()).toEqual(config);
      const fromRebuilt = rebuilt.apply(batch, options);
      expect(maxDifference(first.images, fromRebuilt.images)).toBe(0);

      for (const result of [first, again, other, fromRebuilt]) disposeBatch(result);
      await expectNoTensorLeaks(() => entry.op.apply(batch, options), { dispose: disposeBatch });
    },
  );

  it('rejects a batch that is not [N, H, W, 3] and a bad seed', () => {
    const flip = randomFlip();
    const gray = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1], 'int32');
    expect(() => flip.apply({ images: gray, labels }, { seed: 1, numClasses: 2 })).toThrow(
      /batch\.images/,
    );
    expect(() => flip.apply(batch, { seed: Number.NaN, numClasses: 2 })).toThrow(/seed/);
    tf.dispose([gray, labels]);
  });

  it('names the field and the value of impossible options', () => {
    const expectInvalid = (build: () => unknown, argument: string, value: unknown) => {
      try {
        build();
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        expect((error as InvalidArgumentError).value).toEqual(value);
        expect((error as Error).message).toContain(argument);
        return;
      }
      throw new Error(`expected ${argument} to be rejected`);
    };
    expectInvalid(
      () => randomResizedCrop({ size: 8, scale: [0.9, 0.2] }),
      'randomResizedCrop.scale',
      [0.9, 0.2],
    );
    expectInvalid(() => randomResizedCrop({ size: 0 }), 'randomResizedCrop.size', 0);
    expectInvalid(() => randomFlip({ probability: 1.5 }), 'randomFlip.probability', 1.5);
    expectInvalid(() => randomFlip({ probability: -0.1 }), 'randomFlip.probability', -0.1);
    expectInvalid(() => randomFlip({ mode: 'diagonal' as never }), 'randomFlip.mode', 'diagonal');
    expectInvalid(() => randomRotation({ degrees: [30, 10] }), 'randomRotation.degrees', [30, 10]);
    expectInvalid(
      () => randomRotation({ fillMode: 'mirror' as never }),
      'randomRotation.fillMode',
      'mirror',
    );
    expectInvalid(() => randomZoom({ scale: [2, 1] }), 'randomZoom.scale', [2, 1]);
    expectInvalid(() => colorJitter({ hue: 0.7 }), 'colorJitter.hue', 0.7);
    expectInvalid(() => colorJitter({ brightness: -1 }), 'colorJitter.brightness', -1);
    expectInvalid(() => gaussianBlur({ kernelSize: 4 }), 'gaussianBlur.kernelSize', 4);
    expectInvalid(() => normalize({ std: [1, 0, 1] }), 'normalize.std', [1, 0, 1]);
    expectInvalid(() => randomErasing({ value: 300 }), 'randomErasing.value', 300);
    expectInvalid(() => mixup({ alpha: 0 }), 'mixup.alpha', 0);
    expectInvalid(() => randAugment({ magnitude: 31 }), 'randAugment.magnitude', 31);
    expectInvalid(
      () => randAugment({ transforms: ['equalize' as never] }),
      'randAugment.transforms[0]',
      'equalize',
    );
    expectInvalid(() => randomApply(2, randomFlip()), 'randomApply.probability', 2);
    expectInvalid(() => randomFlip({ probabilty: 0.5 } as never), 'randomFlip.probabilty', 0.5);
    expectInvalid(
      () =>
        fromConfig({
          name: 'compose',
          options: { ops: [{ name: 'randomZoom', options: { scale: [3, 1] } }] },
        }),
      'randomZoom.scale',
      [3, 1],
    );
  });

  it('rejects an unknown op name in a config, listing the valid names', () => {
    expect(() => fromConfig({ name: 'randomFlipp', options: {} })).toThrow(
      /Unknown image augmentation op "randomFlipp"\. Did you mean "randomFlip"\?.*randomResizedCrop/,
    );
    expect(() =>
      fromConfig({ name: 'compose', options: { ops: [{ name: 'sharpen', options: {} }] } }),
    ).toThrow(/sharpen/);
  });
});
