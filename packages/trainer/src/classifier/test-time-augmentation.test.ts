import '@tensorflow/tfjs-backend-cpu';
import { resizeImage } from '@graft/core';
import { expectNoTensorLeaks, tinyBackbone } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseHead } from '../testing/fixtures.js';
import { Classifier } from './classifier.js';
import { exportClassifier } from './export-classifier.js';
import { predictWithTestTimeAugmentation, viewWeights } from './test-time-augmentation.js';

const size = 16;

function classifier(): Classifier {
  const backbone = tinyBackbone({ featureDim: 8, seed: 9 });
  const head = denseHead({ featureDim: 8, numClasses: 3, hidden: 4, seed: 5 });
  const { model, metadata } = exportClassifier({
    backbone,
    head,
    classNames: ['a', 'b', 'c'],
  });
  return new Classifier({ model, metadata });
}

/** Integer RGB pixels of one image, row-major, seeded. */
function pixels(seed: number): Uint8Array {
  const values = new Uint8Array(size * size * 3);
  let state = seed;
  for (let index = 0; index < values.length; index++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    values[index] = state % 256;
  }
  return values;
}

/** The image mirrored left to right, by hand. */
function mirrored(image: Uint8Array): Uint8Array {
  const result = new Uint8Array(image.length);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      for (let channel = 0; channel < 3; channel++) {
        result[(row * size + column) * 3 + channel] = image[
          (row * size + (size - 1 - column)) * 3 + channel
        ] as number;
      }
    }
  }
  return result;
}

/** A `side`×`side` window at (top, left), scaled back to 16×16 by the stored interpolation. */
function corner(image: Uint8Array, top: number, left: number, side: number): Uint8Array {
  const window = new Uint8Array(side * side * 3);
  for (let row = 0; row < side; row++) {
    for (let column = 0; column < side; column++) {
      for (let channel = 0; channel < 3; channel++) {
        window[(row * side + column) * 3 + channel] = image[
          ((top + row) * size + left + column) * 3 + channel
        ] as number;
      }
    }
  }
  return resizeImage(
    { width: side, height: side, data: window },
    { imageSize: [size, size], resize: { mode: 'stretch', interpolation: 'bilinear' } },
  );
}

async function probabilitiesOf(model: Classifier, image: Uint8Array): Promise<number[]> {
  const input = tf.tensor4d(Float32Array.from(image), [1, size, size, 3]);
  const output = model.predictProbabilities(input);
  const values = Array.from(await output.data());
  tf.dispose([input, output]);
  return values;
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (let index = 0; index < expected.length; index++) {
    expect(actual[index]).toBeCloseTo(expected[index] as number, 6);
  }
}

function weightedSum(rows: number[][], weights: number[]): number[] {
  return (rows[0] as number[]).map((_, column) =>
    rows.reduce((sum, row, index) => sum + (row[column] as number) * (weights[index] as number), 0),
  );
}

describe('test-time augmentation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('flip averages the probabilities of the image and its mirror image (or weighs them by beta)', async () => {
    const model = classifier();
    const images = [pixels(1), pixels(2)];
    const batch = tf.tensor4d(Float32Array.from([...images[0]!, ...images[1]!]), [
      2,
      size,
      size,
      3,
    ]);
    const averaged = predictWithTestTimeAugmentation(model, batch, { views: 'flip' });
    const fastai = predictWithTestTimeAugmentation(model, batch, { views: 'flip', beta: 0.25 });
    const actual = (await averaged.array()) as number[][];
    const actualBeta = (await fastai.array()) as number[][];
    for (const [index, image] of images.entries()) {
      const plain = await probabilitiesOf(model, image);
      const flipped = await probabilitiesOf(model, mirrored(image));
      // The mirror image really is another view (else the test would prove nothing).
      expect(
        Math.max(...plain.map((value, column) => Math.abs(value - flipped[column]!))),
      ).toBeGreaterThan(1e-4);
      const expected = plain.map((value, column) => (value + flipped[column]!) / 2);
      const expectedBeta = plain.map((value, column) => 0.25 * value + 0.75 * flipped[column]!);
      expectClose(actual[index]!, expected);
      expectClose(actualBeta[index]!, expectedBeta);
    }
    tf.dispose([batch, averaged, fastai]);
    model.dispose();
  });

  it('flip+crops adds four corner crops scaled back by the stored resize', async () => {
    const model = classifier();
    const image = pixels(3);
    const side = Math.round(size * 0.875);
    const views = [
      image,
      mirrored(image),
      corner(image, 0, 0, side),
      corner(image, 0, size - side, side),
      corner(image, size - side, 0, side),
      corner(image, size - side, size - side, side),
    ];
    const rows = await Promise.all(views.map((view) => probabilitiesOf(model, view)));
    const expected = weightedSum(rows, new Array(6).fill(1 / 6));
    const input = tf.tensor3d(Float32Array.from(image), [size, size, 3]);
    const output = predictWithTestTimeAugmentation(model, input, { views: 'flip+crops' });
    const actual = Array.from(await output.data());
    expectClose(actual, expected);
    expect(actual.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 6);
    await expectNoTensorLeaks(() =>
      predictWithTestTimeAugmentation(model, input, { views: 'flip+crops' }),
    );
    tf.dispose([input, output]);
    model.dispose();
  });

  it('an image of another size is brought to the input size first, as predict does', async () => {
    const model = classifier();
    const big = tf.round(tf.randomUniform([1, 20, 24, 3], 0, 255, 'float32', 4)) as tf.Tensor4D;
    const plain = model.predictProbabilities(big);
    const atInput = tf.tensor4d(
      resizeImage(
        { width: 24, height: 20, data: Uint8Array.from(await big.data()) },
        { imageSize: [size, size], resize: { mode: 'stretch', interpolation: 'bilinear' } },
      ),
      [1, size, size, 3],
      'float32',
    );
    const viaTta = predictWithTestTimeAugmentation(model, big, { views: 'flip' });
    const viaResized = predictWithTestTimeAugmentation(model, atInput, { views: 'flip' });
    expect(tf.max(tf.abs(tf.sub(viaTta, viaResized))).dataSync()[0]).toBeLessThan(1e-6);
    expect(
      tf.max(tf.abs(tf.sub(model.predictProbabilities(atInput), plain))).dataSync()[0],
    ).toBeLessThan(1e-6);
    tf.dispose([big, plain, atInput, viaTta, viaResized]);
    model.dispose();
  });

  it('weights views equally or by fastai beta, and rejects bad options', () => {
    expect(viewWeights(2, undefined)).toEqual([0.5, 0.5]);
    const weights = viewWeights(6, 0.25);
    expect(weights[0]).toBe(0.25);
    expect(weights[5]).toBeCloseTo(0.15, 12);
    const model = classifier();
    const image = tf.zeros([size, size, 3]) as tf.Tensor3D;
    expect(() =>
      predictWithTestTimeAugmentation(model, image, { views: 'rotate' as never }),
    ).toThrow(/views.*flip, flip\+crops/s);
    expect(() => predictWithTestTimeAugmentation(model, image, { views: 'flip', beta: 2 })).toThrow(
      /beta/,
    );
    image.dispose();
    model.dispose();
  });
});
