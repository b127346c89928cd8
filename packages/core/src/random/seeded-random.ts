import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** The saved state of a {@link SeededRandom}: JSON-safe, restores the exact stream. */
export interface RandomState {
  /** Always `xoshiro128**`; kept so a future algorithm change can be detected. */
  algorithm: 'xoshiro128**';
  /** The four 32-bit state words. */
  state: [number, number, number, number];
}

/**
 * A small, fast, seedable PRNG (xoshiro128**, seeded through splitmix32) whose state can be
 * saved in a checkpoint and restored, so a resumed run draws the same numbers it would have
 * drawn. The same seed gives the same stream on every platform: only 32-bit integer math.
 */
export class SeededRandom {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  /** `seed`: any integer (or a string, hashed). */
  constructor(seed: number | string = 0) {
    this.reseed(seed);
  }

  /** Restarts the stream from `seed`. */
  reseed(seed: number | string): void {
    let x = typeof seed === 'string' ? hashString(seed) : toUint32(seed);
    const next = () => {
      // splitmix32: spreads a small seed over the 128-bit state so nearby seeds diverge.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = undefined;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A float in [min, max). */
  uniform(min = 0, max = 1): number {
    if (!(min <= max)) {
      throw new InvalidArgumentError({
        argument: 'min',
        value: min,
        expected: `must be <= max (${max})`,
      });
    }
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max] (both inclusive), without modulo bias. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min > max) {
      throw new InvalidArgumentError({
        argument: 'min',
        value: min,
        expected: `must be an integer <= max (${max})`,
      });
    }
    const range = max - min + 1;
    if (range > 4294967296)
      throw new InvalidArgumentError({
        argument: 'max',
        value: max,
        expected: 'must be within 2^32 of min',
      });
    const limit = 4294967296 - (4294967296 % range);
    let value = this.nextUint32();
    while (value >= limit) value = this.nextUint32();
    return min + (value % range);
  }

  /** True with probability `probability`. */
  bernoulli(probability: number): boolean {
    return this.next() < probability;
  }

  /** A normally distributed float (Box–Muller). */
  normal(mean = 0, standardDeviation = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + standardDeviation * spare;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return mean + standardDeviation * radius * Math.cos(2 * Math.PI * v);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }

  /** A permutation of `0 .. length-1`. */
  permutation(length: number): number[] {
    return this.shuffle(Array.from({ length }, (_, index) => index));
  }

  /**
   * An independent generator derived from this one's seed stream and `label`, without advancing
   * this generator: `fork('epoch-3')` is the same on every run with the same state.
   */
  fork(label: string | number): SeededRandom {
    const child = new SeededRandom(0);
    const mix = hashString(`${this.s0}:${this.s1}:${this.s2}:${this.s3}:${label}`);
    child.reseed(mix);
    return child;
  }

  /** The current state; JSON-safe. */
  getState(): RandomState {
    return { algorithm: 'xoshiro128**', state: [this.s0, this.s1, this.s2, this.s3] };
  }

  /** Restores a state saved by {@link getState}. */
  setState(state: RandomState): void {
    if (
      state?.algorithm !== 'xoshiro128**' ||
      !Array.isArray(state.state) ||
      state.state.length !== 4
    ) {
      throw new InvalidArgumentError({
        argument: 'state',
        value: state,
        expected: "must be { algorithm: 'xoshiro128**', state: [4 uint32] } from getState()",
      });
    }
    [this.s0, this.s1, this.s2, this.s3] = state.state.map(toUint32) as [
      number,
      number,
      number,
      number,
    ];
    this.spareNormal = undefined;
  }

  /** A generator restored from a saved state. */
  static fromState(state: RandomState): SeededRandom {
    const random = new SeededRandom(0);
    random.setState(state);
    return random;
  }
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}

function toUint32(value: number): number {
  if (!Number.isFinite(value)) {
    throw new InvalidArgumentError({
      argument: 'seed',
      value,
      expected: 'must be a finite number or a string',
    });
  }
  // Keep high bits of large seeds instead of silently truncating them away.
  const integer = Math.trunc(value);
  return ((integer >>> 0) ^ Math.floor(integer / 4294967296)) >>> 0;
}

/** FNV-1a over UTF-16 code units; enough to turn a label into a seed. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
