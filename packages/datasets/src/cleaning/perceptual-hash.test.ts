import { InvalidArgumentError } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { hammingDistance, perceptualHash, popCount32 } from './perceptual-hash.js';

/** A smooth, non-symmetric 32×32 test pattern with a seeded texture. */
function pattern(seed: number, size = 32): Uint8Array {
  const pixels = new Uint8Array(size * size);
  let state = seed;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      state = (state * 1103515245 + 12345) >>> 0;
      const wave = 80 * Math.sin((x * ((seed % 5) + 1)) / 6) * Math.cos((y * ((seed % 3) + 1)) / 9);
      pixels[y * size + x] = Math.max(0, Math.min(255, Math.round(128 + wave + (state % 40) - 20)));
    }
  }
  return pixels;
}

/** pHash written the slow, obvious way: the full 2-D DCT-II sum per coefficient. */
function referenceHash(gray: Uint8Array): string {
  const coefficients: number[] = [];
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          sum +=
            (gray[y * 32 + x] as number) *
            Math.cos((Math.PI * v * (2 * y + 1)) / 64) *
            Math.cos((Math.PI * u * (2 * x + 1)) / 64);
        }
      }
      coefficients.push(sum);
    }
  }
  const sorted = [...coefficients].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  const bits = coefficients.map((value) => (value > median ? '1' : '0')).join('');
  let hex = '';
  for (let index = 0; index < 64; index += 4)
    hex += Number.parseInt(bits.slice(index, index + 4), 2).toString(16);
  return hex;
}

describe('perceptualHash', () => {
  it('matches a direct 2-D DCT over a 32×32 gray image, 32 bits set', () => {
    for (const seed of [1, 2, 3, 4]) {
      const gray = pattern(seed);
      const hash = perceptualHash({ width: 32, height: 32, channels: 1, data: gray });
      expect(hash).toMatch(/^[0-9a-f]{16}$/);
      expect(hash).toBe(referenceHash(gray));
      const ones =
        popCount32(Number.parseInt(hash.slice(0, 8), 16)) +
        popCount32(Number.parseInt(hash.slice(8), 16));
      expect(ones).toBe(32);
    }
  });

  it('area-averages larger images to 32×32 and converts RGB to luma', () => {
    const gray = pattern(7);
    // Each pixel repeated 3×3 times: the area average gives the 32×32 image back.
    const large = new Uint8Array(96 * 96 * 3);
    for (let y = 0; y < 96; y++) {
      for (let x = 0; x < 96; x++) {
        const value = gray[Math.floor(y / 3) * 32 + Math.floor(x / 3)] as number;
        large.set([value, value, value], (y * 96 + x) * 3);
      }
    }
    expect(perceptualHash({ width: 96, height: 96, channels: 3, data: large })).toBe(
      perceptualHash({ width: 32, height: 32, channels: 1, data: gray }),
    );
  });

  it('tells different patterns apart and keeps a slightly noisy copy close', () => {
    const first = pattern(11);
    const noisy = first.map((value, index) =>
      Math.max(0, Math.min(255, value + ((index * 7) % 5) - 2)),
    );
    const other = pattern(12);
    const hash = (data: Uint8Array) => perceptualHash({ width: 32, height: 32, channels: 1, data });
    expect(hammingDistance(hash(first), hash(noisy))).toBeLessThanOrEqual(4);
    expect(hammingDistance(hash(first), hash(other))).toBeGreaterThan(16);
  });

  it('names the field of a bad input', () => {
    expect(() => perceptualHash({ width: 2, height: 2, channels: 1, data: [1, 2, 3] })).toThrow(
      /image\.data\.length/,
    );
    expect(() =>
      perceptualHash({ width: 2, height: 2, channels: 2 as 1, data: [1, 2, 3, 4, 5, 6, 7, 8] }),
    ).toThrow(InvalidArgumentError);
    expect(() => hammingDistance('00ff', '00000000000000ff')).toThrow(/Argument `first`/);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits over both words', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('00000000f0000000', '0000000070000000')).toBe(1);
  });
});
