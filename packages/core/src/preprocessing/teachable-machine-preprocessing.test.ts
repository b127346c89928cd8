import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeImages } from './normalize-images.js';
import { resizeGeometry } from './resize-geometry.js';
import { teachableMachinePreprocessing } from './teachable-machine-preprocessing.js';

/** `cropTo` of @teachablemachine/image 0.8.5 (utils/canvas.ts): the canvas geometry. */
function cropTo(width: number, height: number, size: number) {
  const scale = size / Math.min(width, height);
  const scaledW = Math.ceil(width * scale);
  const scaledH = Math.ceil(height * scale);
  return { scaledW, scaledH, left: ~~((scaledW - size) / 2), top: ~~((scaledH - size) / 2) };
}

describe('teachableMachinePreprocessing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("normalises as TM's capture does: x / 127 - 1", () => {
    const values = [0, 1, 63, 127, 128, 200, 254, 255];
    const pixels = tf.tensor4d(
      values.flatMap((value) => [value, value, value]),
      [1, 1, 8, 3],
    );
    const normalised = normalizeImages(pixels, teachableMachinePreprocessing());
    const actual = Array.from(normalised.dataSync()).filter((_, index) => index % 3 === 0);
    values.forEach((value, index) => {
      expect(actual[index]).toBeCloseTo(value / 127 - 1, 6);
    });
    tf.dispose([pixels, normalised]);
  });

  it("places the crop where TM's cropTo draws it", () => {
    const preprocessing = teachableMachinePreprocessing(224);
    for (const [width, height] of [
      [500, 375],
      [375, 500],
      [333, 250],
      [640, 427],
      [225, 1000],
    ] as const) {
      const expected = cropTo(width, height, 224);
      expect(resizeGeometry(width, height, preprocessing.inputSize, preprocessing.resize)).toEqual({
        resizeWidth: expected.scaledW,
        resizeHeight: expected.scaledH,
        left: expected.left,
        top: expected.top,
      });
    }
  });
});
