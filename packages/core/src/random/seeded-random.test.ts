import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { SeededRandom } from './seeded-random.js';

const draw = (random: SeededRandom, count: number) =>
  Array.from({ length: count }, () => random.nextUint32());

describe('SeededRandom', () => {
  it('gives the same stream for the same seed and different streams for nearby seeds', () => {
    expect(draw(new SeededRandom(42), 8)).toEqual(draw(new SeededRandom(42), 8));
    expect(draw(new SeededRandom(42), 8)).not.toEqual(draw(new SeededRandom(43), 8));
    expect(draw(new SeededRandom('a'), 4)).not.toEqual(draw(new SeededRandom('b'), 4));
  });

  it('restores a saved state exactly, through JSON', () => {
    const random = new SeededRandom(7);
    draw(random, 100);
    const saved = JSON.parse(JSON.stringify(random.getState()));
    const expected = draw(random, 50);
    const restored = SeededRandom.fromState(saved);
    expect(draw(restored, 50)).toEqual(expected);
  });

  it('produces roughly uniform floats in [0, 1) and unbiased integers', () => {
    const random = new SeededRandom(1);
    const counts = [0, 0, 0, 0, 0, 0];
    let sum = 0;
    for (let index = 0; index < 60_000; index++) {
      const value = random.next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      sum += value;
      counts[random.int(0, 5)]! += 1;
    }
    expect(sum / 60_000).toBeCloseTo(0.5, 2);
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('draws normals with the right moments', () => {
    const random = new SeededRandom(3);
    const values = Array.from({ length: 40_000 }, () => random.normal(2, 3));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(3, 1);
  });

  it('shuffles into a permutation, reproducibly', () => {
    const permutation = new SeededRandom(5).permutation(20);
    expect([...permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new SeededRandom(5).permutation(20)).toEqual(permutation);
    expect(permutation).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('forks without advancing the parent', () => {
    const parent = new SeededRandom(9);
    const state = parent.getState();
    const child = parent.fork('epoch-1');
    expect(parent.getState()).toEqual(state);
    expect(draw(child, 4)).toEqual(draw(new SeededRandom(9).fork('epoch-1'), 4));
    expect(draw(parent.fork('epoch-2'), 4)).not.toEqual(draw(parent.fork('epoch-1'), 4));
  });

  it('rejects bad ranges and states with errors naming the argument', () => {
    const random = new SeededRandom(0);
    expect(() => random.int(5, 1)).toThrow(InvalidArgumentError);
    expect(() => random.uniform(2, 1)).toThrow(
      /Argument `min` must be <= max \(1\)\. Received: min=2/,
    );
    expect(() => random.setState({ algorithm: 'mt' } as never)).toThrow(/Argument `state`/);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/Argument `seed`/);
  });
});
