import { SeededRandom } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { hammingPairs } from './hamming-pairs.js';
import { popCount32 } from './perceptual-hash.js';

/** Random hashes, plus copies of some with a few bits flipped so that near pairs exist. */
function hashes(count: number, seed: number): Uint32Array {
  const random = new SeededRandom(seed);
  const words = new Uint32Array(count * 2);
  for (let index = 0; index < count; index++) {
    if (index > 0 && random.next() < 0.3) {
      const source = Math.floor(random.next() * index);
      let high = words[2 * source] as number;
      let low = words[2 * source + 1] as number;
      const flips = Math.floor(random.next() * 16);
      for (let flip = 0; flip < flips; flip++) {
        const bit = Math.floor(random.next() * 64);
        if (bit < 32) high = (high ^ (1 << bit)) >>> 0;
        else low = (low ^ (1 << (bit - 32))) >>> 0;
      }
      words[2 * index] = high;
      words[2 * index + 1] = low;
    } else {
      words[2 * index] = Math.floor(random.next() * 2 ** 32);
      words[2 * index + 1] = Math.floor(random.next() * 2 ** 32);
    }
  }
  return words;
}

function bruteForce(words: Uint32Array, threshold: number): string[] {
  const found: string[] = [];
  const count = words.length / 2;
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const distance =
        popCount32(((words[2 * i] as number) ^ (words[2 * j] as number)) >>> 0) +
        popCount32(((words[2 * i + 1] as number) ^ (words[2 * j + 1] as number)) >>> 0);
      if (distance <= threshold) found.push(`${i},${j},${distance}`);
    }
  }
  return found.sort();
}

function listed(pairs: ReturnType<typeof hammingPairs>): string[] {
  return Array.from(
    pairs.first,
    (first, index) => `${first},${pairs.second[index]},${pairs.values[index]}`,
  ).sort();
}

describe('hammingPairs', () => {
  it('the multi-index search finds exactly the pairs of a brute-force scan', () => {
    const words = hashes(1500, 3);
    for (const threshold of [0, 3, 4, 7, 10, 13]) {
      const expected = bruteForce(words, threshold);
      expect(expected.length).toBeGreaterThan(threshold === 0 ? -1 : 10);
      expect(listed(hammingPairs(words, threshold, 'index'))).toEqual(expected);
      expect(listed(hammingPairs(words, threshold, 'scan'))).toEqual(expected);
    }
  });

  it('handles no hashes, one hash and repeated hashes', () => {
    expect(hammingPairs(new Uint32Array(0), 10).first.length).toBe(0);
    expect(hammingPairs(Uint32Array.from([1, 2]), 10, 'index').first.length).toBe(0);
    const same = Uint32Array.from([5, 6, 5, 6, 5, 6]);
    expect(listed(hammingPairs(same, 0, 'index'))).toEqual(['0,1,0', '0,2,0', '1,2,0']);
  });
});
