import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoTensorLeaks } from '../testing/expect-no-tensor-leaks.js';
import type { Preprocessing } from '../types/preprocessing.js';
import { normalizeImages } from './normalize-images.js';
import { normalizePixels } from './normalize-pixels.js';
import { resolvePreprocessing } from './resolve-preprocessing.js';

const resize = { mode: 'stretch', interpolation: 'bilinear' } as const;
const mobileNet: Preprocessing = {
  inputSize: [1, 2],
  channelOrder: 'rgb',
  inputRange: [-1, 1],
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize,
};
const torchvision: Preprocessing = {
  ...mobileNet,
  inputRange: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};
const caffe: Preprocessing = {
  ...mobileNet,
  channelOrder: 'bgr',
  inputRange: [0, 255],
  mean: [103.939, 116.779, 123.68],
};

describe('normalizeImages', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const pixels = () => tf.tensor4d([0, 127.5, 255, 10, 20, 30], [1, 1, 2, 3]);

  it('maps [0, 255] to [-1, 1] for MobileNetV2 (x / 127.5 - 1)', () => {
    const input = pixels();
    const output = normalizeImages(input, mobileNet);
    const expected = [0, 127.5, 255, 10, 20, 30].map((value) => value / 127.5 - 1);
    expect(Array.from(output.dataSync())).toEqual(
      expected.map((value) => expect.closeTo(value, 6)),
    );
    tf.dispose([input, output]);
  });

  it('applies torchvision mean/std per channel', () => {
    const input = pixels();
    const output = normalizeImages(input, torchvision);
    const values = [0, 127.5, 255, 10, 20, 30];
    const expected = values.map((value, index) => {
      const channel = index % 3;
      return (value / 255 - torchvision.mean[channel]!) / torchvision.std[channel]!;
    });
    expect(Array.from(output.dataSync())).toEqual(
      expected.map((value) => expect.closeTo(value, 5)),
    );
    tf.dispose([input, output]);
  });

  it('reorders channels to BGR before subtracting the caffe mean', () => {
    const input = pixels();
    const output = normalizeImages(input, caffe);
    const expected = [
      255 - 103.939,
      127.5 - 116.779,
      0 - 123.68,
      30 - 103.939,
      20 - 116.779,
      10 - 123.68,
    ];
    expect(Array.from(output.dataSync())).toEqual(
      expected.map((value) => expect.closeTo(value, 4)),
    );
    tf.dispose([input, output]);
  });

  it('leaks no tensors', async () => {
    const input = pixels();
    await expectNoTensorLeaks(() => normalizeImages(input, torchvision));
    input.dispose();
  });
});

describe('normalizePixels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const teachableMachine: Preprocessing = { ...mobileNet, inputRange: [-1, 128 / 127] };

  it('equals normalizeImages bit for bit (rgb, bgr, mean/std, x/127 - 1)', () => {
    const bytes = Uint8Array.from({ length: 256 * 3 }, (_, index) => (index * 37) % 256);
    for (const preprocessing of [mobileNet, torchvision, caffe, teachableMachine]) {
      const pure = normalizePixels(bytes, preprocessing);
      const tensor = tf.tensor4d(bytes, [1, 16, 16, 3], 'int32');
      const output = normalizeImages(tensor, preprocessing);
      expect(Array.from(pure)).toEqual(Array.from(output.dataSync()));
      tensor.dispose();
      output.dispose();
    }
  });

  it('writes into a reused output (every byte value in every channel), and refuses one too short', () => {
    const bytes = Uint8Array.from({ length: 256 * 3 }, (_, index) => (index * 37) % 256);
    const output = new Float32Array(bytes.length + 3).fill(Number.NaN);
    for (const preprocessing of [caffe, torchvision]) {
      expect(normalizePixels(bytes, preprocessing, output)).toBe(output);
      expect(Array.from(output.subarray(0, bytes.length))).toEqual(
        Array.from(normalizePixels(bytes, preprocessing)),
      );
      expect(Number.isNaN(output[bytes.length])).toBe(true);
    }
    expect(() => normalizePixels(bytes, caffe, new Float32Array(10))).toThrow(
      /output.*must hold at least the 768 values/,
    );
  });

  it("reproduces Teachable Machine's x / 127 - 1 within float32 rounding", () => {
    const bytes = Uint8Array.from({ length: 255 * 3 }, (_, index) => index % 256);
    const output = normalizePixels(bytes, teachableMachine);
    bytes.forEach((value, index) => {
      expect(output[index]).toBeCloseTo(Math.fround(value / 127) - 1, 6);
    });
  });
});

describe('resolvePreprocessing', () => {
  it('writes out every default and keeps what was given', () => {
    const resolved = resolvePreprocessing({
      ...mobileNet,
      resize: { mode: 'center-crop', interpolation: 'bilinear' },
    });
    expect(resolved.resize).toEqual({
      mode: 'center-crop',
      cropFraction: 0.875,
      interpolation: 'bilinear',
      antialias: true,
      rounding: 'torchvision',
    });
    expect(
      resolvePreprocessing({
        ...mobileNet,
        resize: { ...resize, antialias: false, rounding: 'teachable-machine', cropFraction: 1 },
      }).resize,
    ).toEqual({ ...resize, antialias: false, rounding: 'teachable-machine', cropFraction: 1 });
    expect(JSON.parse(JSON.stringify(resolved))).toEqual(resolved);
  });

  it('rejects a bad policy naming the field', () => {
    expect(() =>
      resolvePreprocessing({ ...mobileNet, resize: { ...resize, antialias: 'yes' as never } }),
    ).toThrow(/resize\.antialias/);
  });
});
