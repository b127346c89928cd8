import '@tensorflow/tfjs-backend-cpu';
import { type Preprocessing, resizeImage } from '@graft/core';
import { expectNoTensorLeaks } from '@graft/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeToInput } from './resize-to-input.js';

const preprocessing: Preprocessing = {
  inputSize: [24, 24],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
};

/** A photo-like image: gradients plus a checkerboard that aliases if resized without a filter. */
function image(width: number, height: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: width * height * 3 }, (_, index) => {
    const pixel = Math.floor(index / 3);
    const x = pixel % width;
    const y = Math.floor(pixel / width);
    return (x * 3 + y * 5 + seed * 40 + ((x + y) % 2) * 90 + (index % 3) * 30) & 255;
  });
}

describe('resizeToInput', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives each image of a batch exactly the pixels of the one resize definition', () => {
    const [width, height] = [97, 61];
    const first = image(width, height, 1);
    const second = image(width, height, 2);
    const batch = tf.tensor4d([...first, ...second], [2, height, width, 3], 'float32');
    const resized = resizeToInput(batch, preprocessing);
    expect(resized.shape).toEqual([2, 24, 24, 3]);
    const values = resized.dataSync();
    const options = { imageSize: preprocessing.inputSize, resize: preprocessing.resize };
    expect(Array.from(values.subarray(0, 24 * 24 * 3))).toEqual(
      Array.from(resizeImage({ width, height, data: first }, options)),
    );
    expect(Array.from(values.subarray(24 * 24 * 3))).toEqual(
      Array.from(resizeImage({ width, height, data: second }, options)),
    );
    tf.dispose([batch, resized]);
  });

  it('returns a tensor already at the input size as it is', () => {
    const batch = tf.zeros([1, 24, 24, 3]) as tf.Tensor4D;
    expect(resizeToInput(batch, preprocessing)).toBe(batch);
    batch.dispose();
  });

  it('leaks no tensors', async () => {
    const batch = tf.tensor4d(image(40, 30, 3), [1, 30, 40, 3], 'int32');
    await expectNoTensorLeaks(() => {
      resizeToInput(batch, preprocessing).dispose();
    });
    batch.dispose();
  });
});
