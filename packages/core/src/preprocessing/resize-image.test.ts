import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import type { ResizePolicy } from '../types/preprocessing.js';
import fixtures from './__fixtures__/pillow-resize.json' with { type: 'json' };
import { resizeGeometry } from './resize-geometry.js';
import { resizeImage } from './resize-image.js';

/** The procedural source image of tooling/fixtures/pillow-resize.py, pixel for pixel. */
function sourceImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const value =
          (c === 0 ? Math.floor((x * 255) / Math.max(1, width - 1)) : 0) +
          (c === 1 ? Math.floor((y * 255) / Math.max(1, height - 1)) : 0) +
          (c === 2 ? (x * 7 + y * 13 + c * 29) ^ (x * y + c) : 0) +
          ((Math.floor(x / 3) + Math.floor(y / 5)) % 2) * 40;
        data[(y * width + x) * 3 + c] = value & 255;
      }
    }
  }
  return data;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('resizeImage', () => {
  it(`is bit-identical to Pillow ${fixtures.pillow} on ${fixtures.cases.length} source/size/policy cases`, () => {
    const mismatches: string[] = [];
    for (const fixture of fixtures.cases) {
      const [width, height] = fixture.source as [number, number];
      const imageSize = fixture.imageSize as [number, number];
      const resize = fixture.resize as ResizePolicy;
      const geometry = resizeGeometry(width, height, imageSize, resize);
      expect([geometry.resizeWidth, geometry.resizeHeight, geometry.left, geometry.top]).toEqual(
        fixture.geometry,
      );
      const output = resizeImage(
        { width, height, data: sourceImage(width, height) },
        {
          imageSize,
          resize,
        },
      );
      expect(output.length).toBe(imageSize[0] * imageSize[1] * 3);
      if (sha256(output) !== fixture.sha256) {
        mismatches.push(`${width}x${height} -> ${imageSize.join('x')} ${JSON.stringify(resize)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('returns the input itself when it is already at the size', () => {
    const data = sourceImage(8, 6);
    const output = resizeImage(
      { width: 8, height: 6, data },
      {
        imageSize: [6, 8],
        resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
      },
    );
    expect(output).toBe(data);
  });

  it('without antialiasing equals tfjs resizeBilinear with half-pixel centres within one level', () => {
    const [width, height] = [97, 61];
    const data = sourceImage(width, height);
    const output = resizeImage(
      { width, height, data },
      {
        imageSize: [20, 32],
        resize: { mode: 'stretch', interpolation: 'bilinear', antialias: false },
      },
    );
    const expected = tf.tidy(() =>
      tf.image
        .resizeBilinear(tf.tensor3d(data, [height, width, 3], 'float32'), [20, 32], false, true)
        .dataSync(),
    );
    let largest = 0;
    for (let index = 0; index < output.length; index++) {
      largest = Math.max(
        largest,
        Math.abs((output[index] as number) - (expected[index] as number)),
      );
    }
    expect(largest).toBeLessThanOrEqual(1);
  });

  it('names the argument and the value on bad input', () => {
    const resize = { mode: 'stretch', interpolation: 'bilinear' } as const;
    expect(() =>
      resizeImage({ width: 4, height: 4, data: new Uint8Array(10) }, { imageSize: [2, 2], resize }),
    ).toThrow(/image\.data.*48 bytes.*10 bytes/s);
    expect(() =>
      resizeImage({ width: 0, height: 4, data: new Uint8Array(0) }, { imageSize: [2, 2], resize }),
    ).toThrow(/image/);
    expect(() =>
      resizeImage(
        { width: 4, height: 4, data: new Uint8Array(48) },
        { imageSize: [2, 2], resize: { ...resize, rounding: 'pil' as 'torchvision' } },
      ),
    ).toThrow(/resize\.rounding.*torchvision, teachable-machine/s);
  });
});
