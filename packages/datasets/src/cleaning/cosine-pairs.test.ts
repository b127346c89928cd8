import { SeededRandom } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { cosinePairs } from './cosine-pairs.js';

describe('cosinePairs', () => {
  it('finds the same pairs as a direct cosine over every pair, across blocks', () => {
    const random = new SeededRandom(5);
    const count = 150;
    const dimension = 24;
    const vectors = new Float32Array(count * dimension);
    for (let row = 0; row < count; row++) {
      const source = row > 10 && random.next() < 0.3 ? Math.floor(random.next() * row) : -1;
      for (let column = 0; column < dimension; column++) {
        vectors[row * dimension + column] =
          source >= 0
            ? (vectors[source * dimension + column] as number) * 3 + (random.next() - 0.5) * 0.4
            : random.next() - 0.5;
      }
    }
    const threshold = 0.9;
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      for (let j = i + 1; j < count; j++) {
        let dot = 0;
        let a = 0;
        let b = 0;
        for (let column = 0; column < dimension; column++) {
          const x = vectors[i * dimension + column] as number;
          const y = vectors[j * dimension + column] as number;
          dot += x * y;
          a += x * x;
          b += y * y;
        }
        if (dot / Math.sqrt(a * b) >= threshold) expected.push(`${i},${j}`);
      }
    }
    expect(expected.length).toBeGreaterThan(5);
    const pairs = cosinePairs(vectors, count, dimension, threshold);
    const found = Array.from(pairs.first, (first, index) => `${first},${pairs.second[index]}`);
    expect(found.sort()).toEqual(expected.sort());
    for (const value of pairs.values) {
      expect(value).toBeGreaterThanOrEqual(threshold);
      expect(value).toBeLessThanOrEqual(1);
    }
  });

  it('a zero vector matches nothing', () => {
    const vectors = Float32Array.from([0, 0, 1, 1, 1, 1]);
    const pairs = cosinePairs(vectors, 3, 2, 0.5);
    expect(Array.from(pairs.first)).toEqual([1]);
    expect(Array.from(pairs.second)).toEqual([2]);
  });
});
