import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { disposeBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from './compose.js';
import type { ImageOp } from './image-op.js';
import { centerCrop } from './ops/center-crop.js';
import { colorJitter } from './ops/color-jitter.js';
import { cutmix } from './ops/cutmix.js';
import { gaussianBlur } from './ops/gaussian-blur.js';
import { mixup } from './ops/mixup.js';
import { normalize } from './ops/normalize.js';
import { randAugment } from './ops/rand-augment.js';
import { randomCrop } from './ops/random-crop.js';
import { randomErasing } from './ops/random-erasing.js';
import { randomFlip } from './ops/random-flip.js';
import { randomGrayscale } from './ops/random-grayscale.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';
import { randomRotation } from './ops/random-rotation.js';
import { randomTranslation } from './ops/random-translation.js';
import { randomZoom } from './ops/random-zoom.js';
import { resize } from './ops/resize.js';
import { randomApply } from './random-apply.js';
import { standardAugmentation } from './standard-augmentation.js';

const ops: ImageOp[] = [
  randomResizedCrop({ size: [12, 16] }),
  randomCrop({ size: 16, padding: 4, paddingMode: 'symmetric' }),
  randomCrop({ size: [20, 28], padding: 5, fillValue: 50 }),
  resize({ size: [30, 10], interpolation: 'nearest' }),
  randomGrayscale({ probability: 1 }),
  normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
  centerCrop({ size: 10 }),
  resize({ size: [9, 13] }),
  randomFlip({ mode: 'horizontalAndVertical' }),
  randomRotation({ degrees: 40 }),
  randomRotation({ degrees: 40, fillMode: 'constant', fillValue: 9 }),
  randomRotation({ degrees: 40, fillMode: 'wrap' }),
  randomRotation({ degrees: 40, fillMode: 'nearest' }),
  randomZoom({ scale: [0.5, 1.5] }),
  randomTranslation({ height: 0.4, width: 0.4 }),
  colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 }),
  randomGrayscale({ probability: 0.5 }),
  gaussianBlur({ kernelSize: 7 }),
  normalize({ range: [-1, 1] }),
  randomErasing({ probability: 1, value: 'random' }),
  mixup({ alpha: 0.5 }),
  cutmix(),
  randAugment({ numOps: 2, magnitude: 9 }),
  compose([randomApply(0.5, randomRotation()), randomApply(0.5, cutmix())]),
  standardAugmentation({ size: 16 }),
];

/** Runs `op` on the same pixels under `backend`; returns the output as plain arrays. */
async function runOn(backend: string, op: ImageOp, pixels: Float32Array, shape: number[]) {
  await tf.setBackend(backend);
  const batch = {
    images: tf.tensor4d(pixels, shape as [number, number, number, number]),
    labels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
  };
  const output = op.apply(batch, { seed: 5, numClasses: 3 });
  const result = { images: await output.images.data(), labels: await output.labels.data() };
  disposeBatch(batch);
  disposeBatch(output);
  return result;
}

describe('same seed, same output on cpu and wasm', () => {
  const shape = [6, 20, 28, 3];
  let pixels: Float32Array;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    pixels = tf
      .tidy(() => tf.round(tf.randomUniform(shape, 0, 255, 'float32', 3)))
      .dataSync() as Float32Array;
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(ops.map((op) => [JSON.stringify(op.toConfig()).slice(0, 90), op] as const))(
    '%s',
    async (_name, op) => {
      const cpu = await runOn('cpu', op, pixels, shape);
      const wasm = await runOn('wasm', op, pixels, shape);
      expect(wasm.images.length).toBe(cpu.images.length);
      let worst = 0;
      for (let index = 0; index < cpu.images.length; index++) {
        worst = Math.max(worst, Math.abs((cpu.images[index] ?? 0) - (wasm.images[index] ?? 0)));
      }
      expect(worst).toBeLessThan(1e-3);
      expect(Array.from(wasm.labels)).toEqual(
        Array.from(cpu.labels).map((value, index) =>
          Math.abs(value - (wasm.labels[index] ?? 0)) < 1e-6 ? wasm.labels[index] : value,
        ),
      );
    },
  );
});
