import { normalizationConstants, normalizePixels, type Preprocessing } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { cropResizeInto } from './crop-resize-into.js';
import { cropResizeRgb } from './crop-resize-rgb.js';

const imagenet: Preprocessing = {
  inputSize: [6, 7],
  channelOrder: 'rgb',
  inputRange: [0, 1],
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  resize: { mode: 'stretch', interpolation: 'bilinear' },
};

/** A 13x11 RGB image of varied bytes. */
function image(): Uint8Array {
  return Uint8Array.from({ length: 13 * 11 * 3 }, (_, index) => (index * 97 + 31) % 256);
}

const cases = [
  { box: { top: 0, left: 0, height: 13, width: 11 }, flipHorizontal: false },
  { box: { top: 2, left: 3, height: 9, width: 5 }, flipHorizontal: true },
  { box: { top: 5, left: 1, height: 3, width: 10 }, flipHorizontal: false },
  // Fewer source rows than output rows: the separable pass that reuses rows.
  { box: { top: 6, left: 2, height: 4, width: 4 }, flipHorizontal: true },
];

describe('cropResizeInto', () => {
  it('writes exactly cropResizeRgb then normalizePixels (RGB and BGR, flipped or not), at the offset', () => {
    for (const preprocessing of [imagenet, { ...imagenet, channelOrder: 'bgr' as const }]) {
      for (const { box, flipHorizontal } of cases) {
        const options = {
          size: [13, 11] as const,
          box,
          outputSize: [6, 7] as const,
          flipHorizontal,
        };
        const expected = normalizePixels(cropResizeRgb(image(), options), preprocessing);
        const target = new Float32Array(5 + expected.length + 2).fill(-9);
        cropResizeInto(image(), {
          ...options,
          target,
          targetOffset: 5,
          transform: {
            ...normalizationConstants(preprocessing),
            reverseChannels: preprocessing.channelOrder === 'bgr',
          },
        });
        expect(Array.from(target.subarray(5, 5 + expected.length))).toEqual(Array.from(expected));
        expect(Array.from(target.subarray(0, 5))).toEqual([-9, -9, -9, -9, -9]);
        expect(Array.from(target.subarray(5 + expected.length))).toEqual([-9, -9]);
      }
    }
  });

  it('without a transform writes the bytes of cropResizeRgb as floats', () => {
    const options = {
      size: [13, 11] as const,
      box: { top: 1, left: 2, height: 8, width: 9 },
      outputSize: [5, 4] as const,
      flipHorizontal: true,
    };
    const target = new Float32Array(5 * 4 * 3);
    cropResizeInto(image(), { ...options, target, targetOffset: 0 });
    expect(Array.from(target)).toEqual(Array.from(cropResizeRgb(image(), options)));
  });
});
