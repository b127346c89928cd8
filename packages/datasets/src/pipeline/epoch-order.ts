import { InvalidArgumentError, SeededRandom } from '@graft/core';

/** Options of {@link epochOrder}. */
export interface EpochOrderOptions {
  /** Labels of every item, in dataset order. */
  labels: readonly number[];
  /** Shuffle (ignored by `balanced`, which is random by nature). */
  shuffle: boolean;
  /** Seed of the permutation. */
  seed: number;
  /** Epoch: each epoch gets its own permutation from the same seed. */
  epoch: number;
  /** `sequential` or `balanced` (see {@link DatasetBatchOptions.sampling}). */
  sampling: 'sequential' | 'balanced';
}

/**
 * The item indices visited in one epoch. Deterministic for a (seed, epoch) pair on every
 * machine: core's `SeededRandom` uses 32-bit integer math only.
 */
export function epochOrder(options: EpochOrderOptions): number[] {
  const size = options.labels.length;
  const random = new SeededRandom(options.seed).fork(`epoch-${options.epoch}`);
  if (options.sampling === 'balanced') {
    const byClass = new Map<number, number[]>();
    options.labels.forEach((label, index) => {
      const members = byClass.get(label);
      if (members) members.push(index);
      else byClass.set(label, [index]);
    });
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    return Array.from({ length: size }, () => {
      const members = byClass.get(classes[random.int(0, classes.length - 1)] as number) as number[];
      return members[random.int(0, members.length - 1)] as number;
    });
  }
  if (options.sampling !== 'sequential') {
    throw new InvalidArgumentError({
      argument: 'sampling',
      value: options.sampling,
      expected: 'must be one of: sequential, balanced',
    });
  }
  return options.shuffle
    ? random.permutation(size)
    : Array.from({ length: size }, (_, index) => index);
}
