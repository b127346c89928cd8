import { describe, expect, it } from 'vitest';
import { DynamicBatcher, QueueFullError, QueueTimeoutError } from './dynamic-batcher.js';

function doubling(options: { maxBatch: number; maxWaitMs: number; maxQueue: number }) {
  const batches: number[][] = [];
  let release: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const batcher = new DynamicBatcher<number, number>({
    ...options,
    run: async (inputs) => {
      batches.push(inputs);
      await gate;
      return inputs.map((input) => input * 2);
    },
  });
  const hold = () => {
    gate = new Promise((resolve) => {
      release = resolve;
    });
  };
  return { batcher, batches, hold, release: () => release() };
}

describe('DynamicBatcher', () => {
  it('joins concurrent submissions into batches of at most maxBatch, outputs in order', async () => {
    const { batcher, batches } = doubling({ maxBatch: 4, maxWaitMs: 20, maxQueue: 100 });
    const results = await Promise.all([
      batcher.submit([1, 2], 1000),
      batcher.submit([3], 1000),
      batcher.submit([4, 5, 6], 1000),
    ]);
    expect(results).toEqual([[2, 4], [6], [8, 10, 12]]);
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('runs every item on its own with maxBatch 1 (batching off)', async () => {
    const { batcher, batches } = doubling({ maxBatch: 1, maxWaitMs: 20, maxQueue: 100 });
    await Promise.all([batcher.submit([1], 1000), batcher.submit([2], 1000)]);
    expect(batches).toEqual([[1], [2]]);
  });

  it('refuses what does not fit the queue at once, all or nothing', async () => {
    const { batcher, hold, release, batches } = doubling({
      maxBatch: 1,
      maxWaitMs: 0,
      maxQueue: 2,
    });
    hold();
    const running = batcher.submit([1], 1000); // runs, held
    const queued = batcher.submit([2, 3], 1000); // waits: the queue is full
    expect(batcher.depth).toBe(2);
    await expect(batcher.submit([4], 1000)).rejects.toBeInstanceOf(QueueFullError);
    await expect(batcher.submit([6], 1000)).rejects.toThrow(/queue is full \(2 image/);
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    expect(await running).toEqual([2]);
    expect(await queued).toEqual([4, 6]);
    await batcher.drain();
    expect(batches).toEqual([[1], [2], [3]]);
    expect(batcher.depth).toBe(0);
  });

  it('rejects a batch whose run failed, and keeps serving', async () => {
    let fail = true;
    const batcher = new DynamicBatcher<number, number>({
      maxBatch: 8,
      maxWaitMs: 1,
      maxQueue: 10,
      run: async (inputs) => {
        if (fail) throw new Error('model failed');
        return inputs;
      },
    });
    await expect(batcher.submit([1], 1000)).rejects.toThrow('model failed');
    fail = false;
    expect(await batcher.submit([7], 1000)).toEqual([7]);
  });

  it('times out an item still queued after its deadline', async () => {
    const { batcher, hold, release } = doubling({ maxBatch: 1, maxWaitMs: 0, maxQueue: 5 });
    hold();
    const running = batcher.submit([1], 1000);
    const late = batcher.submit([2], 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await running;
    await expect(late).rejects.toBeInstanceOf(QueueTimeoutError);
  });
});
