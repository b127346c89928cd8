import { describe, expect, it } from 'vitest';
import { epochOrder } from './epoch-order.js';

const labels = [...new Array(90).fill(0), ...new Array(10).fill(1)] as number[];

describe('epochOrder', () => {
  it('is the identity without shuffling and a seeded permutation with it', () => {
    const base = { labels, seed: 4, epoch: 0, sampling: 'sequential' } as const;
    expect(epochOrder({ ...base, shuffle: false })).toEqual(labels.map((_, index) => index));
    const shuffled = epochOrder({ ...base, shuffle: true });
    expect([...shuffled].sort((a, b) => a - b)).toEqual(labels.map((_, index) => index));
    expect(shuffled).toEqual(epochOrder({ ...base, shuffle: true }));
    expect(shuffled).not.toEqual(epochOrder({ ...base, shuffle: true, epoch: 1 }));
    expect(shuffled).not.toEqual(epochOrder({ ...base, shuffle: true, seed: 5 }));
  });

  it('balanced sampling draws each class about equally often', () => {
    const order = epochOrder({ labels, shuffle: true, seed: 1, epoch: 0, sampling: 'balanced' });
    expect(order).toHaveLength(100);
    const rare = order.filter((index) => labels[index] === 1).length;
    // Binomial(100, 0.5): 30..70 holds with overwhelming probability; the sequential order has 10.
    expect(rare).toBeGreaterThan(30);
    expect(rare).toBeLessThan(70);
    expect(() =>
      epochOrder({ labels, shuffle: false, seed: 0, epoch: 0, sampling: 'weighted' as 'balanced' }),
    ).toThrow(/sequential, balanced/);
  });
});
