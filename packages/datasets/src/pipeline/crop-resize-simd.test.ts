import { describe, expect, it } from 'vitest';
import { type ChannelTransform, cropResizeIntoScalar } from './crop-resize-into.js';
import { cropResizeIntoSimd, simdAvailable } from './crop-resize-simd.js';

/** A small deterministic generator, so every run checks the same cases. */
function generator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
}

/** Index of the first value whose bit pattern differs (so -0 and 0 differ, NaNs compare), or -1. */
function firstDifference(actual: Float32Array, expected: Float32Array): number {
  const left = new Uint32Array(actual.buffer);
  const right = new Uint32Array(expected.buffer);
  if (left.length !== right.length) return Math.min(left.length, right.length);
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return index;
  return -1;
}

describe('cropResizeIntoSimd', () => {
  it('runs here (Node has WebAssembly SIMD), so the other checks test the SIMD kernel', () => {
    expect(simdAvailable()).toBe(true);
  });

  it('writes bit for bit what the scalar kernel writes: up- and downscaling, mirrored, BGR, any width', () => {
    const random = generator(7);
    let compared = 0;
    for (let trial = 0; trial < 400; trial++) {
      const height = 1 + Math.floor(random() * 40);
      const width = 1 + Math.floor(random() * 40);
      const pixels = Uint8Array.from({ length: height * width * 3 }, () =>
        Math.floor(random() * 256),
      );
      const boxHeight = 1 + Math.floor(random() * height);
      const boxWidth = 1 + Math.floor(random() * width);
      const box = {
        top: Math.floor(random() * (height - boxHeight + 1)),
        left: Math.floor(random() * (width - boxWidth + 1)),
        height: boxHeight,
        width: boxWidth,
      };
      // Output widths of every residue mod 4 (the SIMD rows run 4 pixels a step).
      const outputSize = [1 + Math.floor(random() * 30), 1 + Math.floor(random() * 30)] as const;
      const transform: ChannelTransform = {
        multiplier: [random() * 0.1 - 0.05, 1 / 58.395, random() * 2],
        offset: [-2.1 * random(), random() - 0.5, 3 * random()],
        reverseChannels: random() < 0.5,
      };
      const options = {
        size: [height, width] as const,
        box,
        outputSize,
        flipHorizontal: random() < 0.5,
        targetOffset: 3,
        transform,
      };
      const length = 3 + outputSize[0] * outputSize[1] * 3 + 2;
      const scalar = new Float32Array(length).fill(-7);
      const simd = new Float32Array(length).fill(-7);
      cropResizeIntoScalar(pixels, { ...options, target: scalar });
      const ran = cropResizeIntoSimd(
        pixels,
        { ...options, target: simd },
        transform.multiplier.map(Math.fround) as [number, number, number],
        transform.offset.map(Math.fround) as [number, number, number],
        transform.reverseChannels,
      );
      expect(ran).toBe(true);
      expect(firstDifference(simd, scalar)).toBe(-1);
      compared++;
    }
    expect(compared).toBe(400);
  });

  it('matches on a 280x280 frame cut to 224x224 (the training views), after growing its memory', () => {
    const random = generator(3);
    const pixels = Uint8Array.from({ length: 280 * 280 * 3 }, () => Math.floor(random() * 256));
    const transform: ChannelTransform = {
      multiplier: [1 / (0.229 * 255), 1 / (0.224 * 255), 1 / (0.225 * 255)],
      offset: [-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225],
      reverseChannels: false,
    };
    for (const box of [
      { top: 0, left: 0, height: 280, width: 280 },
      { top: 17, left: 40, height: 90, width: 131 },
    ]) {
      const options = { size: [280, 280] as const, box, outputSize: [224, 224] as const };
      const scalar = new Float32Array(224 * 224 * 3);
      const simd = new Float32Array(224 * 224 * 3);
      cropResizeIntoScalar(pixels, {
        ...options,
        flipHorizontal: true,
        target: scalar,
        targetOffset: 0,
        transform,
      });
      cropResizeIntoSimd(
        pixels,
        { ...options, flipHorizontal: true, target: simd, targetOffset: 0 },
        transform.multiplier.map(Math.fround) as [number, number, number],
        transform.offset.map(Math.fround) as [number, number, number],
        false,
      );
      expect(firstDifference(simd, scalar)).toBe(-1);
    }
  });
});
