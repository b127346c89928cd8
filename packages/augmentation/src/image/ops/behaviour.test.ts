import '@tensorflow/tfjs-backend-cpu';
import { disposeBatch, type ImageBatch } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
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

const options = { seed: 3, numClasses: 3 };

/** Applies and returns the images' values, disposing the output. */
async function pixelsOf(result: ImageBatch): Promise<Float32Array> {
  const values = (await result.images.data()) as Float32Array;
  disposeBatch(result);
  return values;
}

describe('image op behaviour', () => {
  let batch: ImageBatch;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    batch = testBatch();
  });

  it('randomFlip: probability 1 mirrors, 0 keeps', () => {
    const flipped = randomFlip({ probability: 1 }).apply(batch, options);
    const expected = tf.reverse(batch.images, 2);
    expect(maxDifference(flipped.images, expected)).toBe(0);
    const vertical = randomFlip({ mode: 'vertical', probability: 1 }).apply(batch, options);
    const expectedVertical = tf.reverse(batch.images, 1);
    expect(maxDifference(vertical.images, expectedVertical)).toBe(0);
    const kept = randomFlip({ probability: 0 }).apply(batch, options);
    expect(maxDifference(kept.images, batch.images)).toBe(0);
    tf.dispose([expected, expectedVertical]);
    [flipped, vertical, kept].forEach(disposeBatch);
  });

  it('randomFlip at 0.5 flips some images of a batch and not others', async () => {
    const big = testBatch({ count: 16 });
    const result = randomFlip().apply(big, options);
    const flipped = tf.reverse(big.images, 2);
    const same = await tf.max(tf.abs(tf.sub(result.images, big.images)), [1, 2, 3]).data();
    const mirrored = await tf.max(tf.abs(tf.sub(result.images, flipped)), [1, 2, 3]).data();
    const flippedCount = Array.from(mirrored).filter((value) => value === 0).length;
    const keptCount = Array.from(same).filter((value) => value === 0).length;
    expect(flippedCount + keptCount).toBe(16);
    expect(flippedCount).toBeGreaterThan(2);
    expect(keptCount).toBeGreaterThan(2);
    tf.dispose(flipped);
    disposeBatch(result);
    disposeBatch(big);
  });

  it('randomRotation by exactly 90° turns content counter-clockwise', () => {
    const square = testBatch({ count: 2, height: 9, width: 9 });
    const result = randomRotation({
      degrees: [90, 90],
      interpolation: 'nearest',
      fillMode: 'constant',
    }).apply(square, options);
    // Counter-clockwise: out[y][x] = in[x][W-1-y] (numpy rot90).
    const expected = tf.transpose(tf.reverse(square.images, 2), [0, 2, 1, 3]);
    expect(maxDifference(result.images, expected)).toBeLessThan(1e-3);
    tf.dispose(expected);
    disposeBatch(result);
    disposeBatch(square);
  });

  it('randomTranslation moves content by the drawn fraction', () => {
    const result = randomTranslation({
      height: [0, 0],
      width: [0.25, 0.25],
      fillMode: 'constant',
      fillValue: 0,
      interpolation: 'nearest',
    }).apply(batch, options);
    // 28 * 0.25 = 7 pixels to the right.
    const moved = tf.slice(result.images, [0, 0, 7, 0], [-1, -1, 21, 3]);
    const original = tf.slice(batch.images, [0, 0, 0, 0], [-1, -1, 21, 3]);
    expect(maxDifference(moved, original)).toBeLessThan(1e-3);
    const uncovered = tf.slice(result.images, [0, 0, 0, 0], [-1, -1, 7, 3]);
    expect(tf.max(uncovered).dataSync()[0]).toBe(0);
    tf.dispose([moved, original, uncovered]);
    disposeBatch(result);
  });

  it('randomZoom with factor 2 shows the central half enlarged', () => {
    const square = testBatch({ count: 1, height: 8, width: 8 });
    const result = randomZoom({ scale: [2, 2], interpolation: 'bilinear' }).apply(square, options);
    // Output pixel (y, x) samples input (3.5 + (y - 3.5) / 2, …): 0 → 1.75, 7 → 5.25.
    const sampled = tf.image.cropAndResize(
      square.images,
      [[1.75 / 7, 1.75 / 7, 5.25 / 7, 5.25 / 7]],
      [0],
      [8, 8],
    );
    expect(maxDifference(result.images, sampled)).toBeLessThan(1e-2);
    tf.dispose(sampled);
    disposeBatch(result);
    disposeBatch(square);
  });

  it('randomResizedCrop with the full area is a resize of the whole image', () => {
    const result = randomResizedCrop({ size: [10, 14], scale: [1, 1], ratio: [1.4, 1.4] }).apply(
      batch,
      options,
    );
    // Corner-aligned sampling of the whole image (the crop's boxes sit on pixel centres).
    const expected = tf.image.resizeBilinear(batch.images, [10, 14], true);
    // The boxes are moved inward by 1/1000 pixel, see pixelBox.
    expect(maxDifference(result.images, expected)).toBeLessThan(0.6);
    tf.dispose(expected);
    disposeBatch(result);
  });

  it('randomResizedCrop with a small area covers a small part of the image', async () => {
    // Pixel value = column index, so the output's spread of values = the crop's width.
    const columns = tf.tidy(() =>
      tf.tile(tf.reshape(tf.range(0, 28, 1, 'float32'), [1, 1, 28, 1]), [6, 20, 1, 3]),
    ) as tf.Tensor4D;
    const labels = tf.zeros([6], 'int32') as tf.Tensor1D;
    const result = randomResizedCrop({ size: 8, scale: [0.1, 0.1], ratio: [1, 1] }).apply(
      { images: columns, labels },
      options,
    );
    const spread = await tf
      .sub(tf.max(result.images, [1, 2, 3]), tf.min(result.images, [1, 2, 3]))
      .data();
    // sqrt(0.1 * 20 * 28) ≈ 7.5 pixels wide → spread ≈ 6.5 columns.
    for (const value of spread) expect(value).toBeGreaterThan(5);
    for (const value of spread) expect(value).toBeLessThan(8);
    tf.dispose([columns, labels]);
    disposeBatch(result);
  });

  it('randomCrop without padding at full size keeps the image, with padding shows it shifted', async () => {
    const same = randomCrop({ size: [20, 28] }).apply(batch, options);
    expect(maxDifference(same.images, batch.images)).toBe(0);
    disposeBatch(same);
    const padded = randomCrop({ size: [20, 28], padding: 3, fillValue: -1 }).apply(batch, options);
    // Every output is the image shifted by at most 3 pixels, so at least one row or column is fill
    // unless the shift is zero; and all non-fill values are original pixels.
    const values = await pixelsOf(padded);
    const original = new Set(batch.images.dataSync());
    for (const value of values) expect(value === -1 || original.has(value)).toBe(true);
  });

  it('centerCrop cuts the middle', () => {
    const result = centerCrop({ size: [10, 10] }).apply(batch, options);
    const expected = tf.slice(batch.images, [0, 5, 9, 0], [-1, 10, 10, 3]);
    expect(maxDifference(result.images, expected)).toBe(0);
    tf.dispose(expected);
    disposeBatch(result);
  });

  it('colorJitter: fixed factors match the formulas', async () => {
    const brighter = colorJitter({ brightness: [1.5, 1.5] }).apply(batch, options);
    const expected = tf.clipByValue(tf.mul(batch.images, 1.5), 0, 255);
    expect(maxDifference(brighter.images, expected)).toBeLessThan(1e-3);
    const gray = colorJitter({ saturation: [0, 0] }).apply(batch, options);
    const channels = tf.split(gray.images, 3, 3);
    expect(maxDifference(channels[0] as tf.Tensor, channels[1] as tf.Tensor)).toBeLessThan(1e-3);
    const flat = colorJitter({ contrast: [0, 0] }).apply(batch, options);
    const spread = await tf
      .sub(tf.max(flat.images, [1, 2, 3]), tf.min(flat.images, [1, 2, 3]))
      .data();
    for (const value of spread) expect(value).toBeLessThan(1e-3);
    const unchanged = colorJitter({ brightness: 0.5, probability: 0 }).apply(batch, options);
    expect(maxDifference(unchanged.images, batch.images)).toBe(0);
    tf.dispose([expected, ...channels]);
    [brighter, gray, flat, unchanged].forEach(disposeBatch);
  });

  it('colorJitter hue keeps luma and a full turn is the identity', () => {
    const mid = tf.tidy(() => tf.add(tf.mul(batch.images, 0.5), 64)) as tf.Tensor4D;
    const input = { images: mid, labels: batch.labels };
    const shifted = colorJitter({ hue: [0.25, 0.25] }).apply(input, options);
    const luma = (images: tf.Tensor) => tf.sum(tf.mul(images, [0.299, 0.587, 0.114]), 3);
    const before = luma(mid);
    const after = luma(shifted.images);
    // YIQ rotation keeps luma exactly; only pixels clipped back into [0, 255] move a little.
    expect(tf.mean(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeLessThan(0.5);
    expect(maxDifference(before, after)).toBeLessThan(10);
    expect(maxDifference(shifted.images, mid)).toBeGreaterThan(10);
    const turned = colorJitter({ hue: [0.5, 0.5] }).apply(shifted, options);
    const back = colorJitter({ hue: [0.25, 0.25] }).apply(turned, options);
    // 0.25 + 0.5 + 0.25 = one full turn; small loss from clipping out-of-gamut colours.
    expect(tf.mean(tf.abs(tf.sub(back.images, mid))).dataSync()[0]).toBeLessThan(3);
    tf.dispose([mid, before, after]);
    [shifted, turned, back].forEach(disposeBatch);
  });

  it('colorJitter hue turns the way HSV hue does (red → yellow → green → blue)', async () => {
    const red = tf.tensor4d([200, 40, 40], [1, 1, 1, 3]);
    const labels = tf.tensor1d([0], 'int32');
    const shifted = async (turns: number) => {
      const result = colorJitter({ hue: [turns, turns] }).apply({ images: red, labels }, options);
      return pixelsOf(result);
    };
    const [r1 = 0, g1 = 0, b1 = 0] = await shifted(1 / 6);
    expect(Math.min(r1, g1)).toBeGreaterThan(b1 + 60); // yellow
    const [r2 = 0, g2 = 0, b2 = 0] = await shifted(1 / 3);
    expect(g2).toBeGreaterThan(Math.max(r2, b2) + 60); // green
    const [r3 = 0, g3 = 0, b3 = 0] = await shifted(-1 / 3);
    expect(b3).toBeGreaterThan(Math.max(r3, g3) + 60); // blue
    tf.dispose([red, labels]);
  });

  it('randomGrayscale at probability 1 gives equal channels equal to the luma', () => {
    const result = randomGrayscale({ probability: 1 }).apply(batch, options);
    const luma = tf.sum(tf.mul(batch.images, [0.299, 0.587, 0.114]), 3, true);
    expect(maxDifference(result.images, tf.tile(luma, [1, 1, 1, 3]))).toBeLessThan(1e-3);
    tf.dispose(luma);
    disposeBatch(result);
  });

  it('gaussianBlur keeps flat images and lowers the variance of noise; probability 0 keeps all', async () => {
    const flat = tf.fill([2, 12, 12, 3], 100) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1], 'int32');
    const blurredFlat = gaussianBlur({ kernelSize: 5 }).apply({ images: flat, labels }, options);
    expect(maxDifference(blurredFlat.images, flat)).toBeLessThan(1e-3);
    const blurred = gaussianBlur({ kernelSize: 7, sigma: [2, 2] }).apply(batch, options);
    const variance = (images: tf.Tensor) => tf.moments(images).variance.dataSync()[0] ?? 0;
    expect(variance(blurred.images)).toBeLessThan(variance(batch.images) / 3);
    const mean = (images: tf.Tensor) => tf.mean(images).dataSync()[0] ?? 0;
    expect(Math.abs(mean(blurred.images) - mean(batch.images))).toBeLessThan(3);
    const none = gaussianBlur({ probability: 0 }).apply(batch, options);
    expect(maxDifference(none.images, batch.images)).toBeLessThan(1e-3);
    tf.dispose([flat, labels]);
    [blurredFlat, blurred, none].forEach(disposeBatch);
  });

  it('normalize maps [0, 255] to the range, then mean/std', async () => {
    const ends = tf.tensor4d([0, 0, 0, 255, 255, 255], [1, 1, 2, 3]);
    const labels = tf.tensor1d([0], 'int32');
    const mobile = await pixelsOf(
      normalize({ range: [-1, 1] }).apply({ images: ends, labels }, options),
    );
    expect(Array.from(mobile).map((value) => Number(value.toFixed(5)))).toEqual([
      -1, -1, -1, 1, 1, 1,
    ]);
    const imagenet = await pixelsOf(
      normalize({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] }).apply(
        { images: ends, labels },
        options,
      ),
    );
    expect(Array.from(imagenet).map((value) => Number(value.toFixed(5)))).toEqual([
      -2, -1, -0.5, 2, 1, 0.5,
    ]);
    tf.dispose([ends, labels]);
  });

  it('randomErasing blanks one rectangle per image within the area range', async () => {
    const bright = tf.fill([4, 20, 28, 3], 200) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
    const result = randomErasing({ probability: 1, scale: [0.1, 0.2], value: 0 }).apply(
      { images: bright, labels },
      options,
    );
    const erased = await tf.mean(tf.cast(tf.equal(result.images, 0), 'float32'), [1, 2, 3]).data();
    for (const fraction of erased) {
      expect(fraction).toBeGreaterThan(0.08);
      expect(fraction).toBeLessThan(0.22);
    }
    tf.dispose([bright, labels]);
    disposeBatch(result);
  });

  it('mixup blends images and labels with the same weight', async () => {
    // Image n is flat with value 10 n, label n: each soft label row tells the weights used.
    const count = 6;
    const images = tf.tidy(() =>
      tf.mul(
        tf.ones([count, 4, 4, 3]),
        tf.reshape(tf.mul(tf.range(0, count, 1, 'float32'), 10), [count, 1, 1, 1]),
      ),
    ) as tf.Tensor4D;
    const labels = tf.range(0, count, 1, 'int32') as tf.Tensor1D;
    const result = mixup({ alpha: 1 }).apply({ images, labels }, { seed: 8, numClasses: count });
    expect(result.labels.shape).toEqual([count, count]);
    const soft = (await result.labels.array()) as number[][];
    const pixels = (await tf.mean(result.images, [1, 2, 3]).data()) as Float32Array;
    let mixedCount = 0;
    soft.forEach((row, index) => {
      expect(row.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
      const expected = row.reduce((sum, weight, label) => sum + weight * 10 * label, 0);
      expect(pixels[index]).toBeCloseTo(expected, 3);
      if ((row[index] ?? 0) < 0.99) mixedCount += 1;
    });
    expect(mixedCount).toBeGreaterThan(0);
    tf.dispose([images, labels]);
    disposeBatch(result);
  });

  it('cutmix pastes a box and weights labels by its area; soft labels pass through', async () => {
    const count = 6;
    const images = tf.tidy(() =>
      tf.mul(
        tf.ones([count, 10, 10, 3]),
        tf.reshape(tf.range(0, count, 1, 'float32'), [count, 1, 1, 1]),
      ),
    ) as tf.Tensor4D;
    const labels = tf.range(0, count, 1, 'int32') as tf.Tensor1D;
    const result = cutmix({ alpha: 1 }).apply({ images, labels }, { seed: 4, numClasses: count });
    const soft = (await result.labels.array()) as number[][];
    const pixels = (await result.images.array()) as number[][][][];
    soft.forEach((row, index) => {
      // Fraction of pixels showing each image = that image's label weight.
      const counts = new Array<number>(count).fill(0);
      for (const line of pixels[index] ?? []) {
        for (const pixel of line) {
          const source = pixel[0] ?? 0;
          counts[source] = (counts[source] ?? 0) + 1;
        }
      }
      counts.forEach((pixelCount, label) => {
        expect(pixelCount / 100).toBeCloseTo(row[label] ?? 0, 5);
      });
    });
    // Already soft labels are mixed again, not one-hot encoded.
    const again = cutmix({ alpha: 1 }).apply(result, { seed: 5, numClasses: count });
    expect(again.labels.shape).toEqual([count, count]);
    const sums = await tf.sum(again.labels, 1).data();
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
    tf.dispose([images, labels]);
    disposeBatch(result);
    disposeBatch(again);
  });

  it('randAugment at magnitude 0 with only identity-like transforms keeps the images', () => {
    const result = randAugment({
      magnitude: 0,
      transforms: ['identity', 'brightness', 'rotate', 'shearX'],
    }).apply(batch, options);
    expect(maxDifference(result.images, batch.images)).toBeLessThan(1e-3);
    disposeBatch(result);
    const strong = randAugment({ numOps: 2, magnitude: 20 }).apply(batch, options);
    expect(maxDifference(strong.images, batch.images)).toBeGreaterThan(10);
    disposeBatch(strong);
  });
});
