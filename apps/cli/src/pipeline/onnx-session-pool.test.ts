import type { PreprocessedBatch } from '@graft/core';
import type { OnnxFeatureComputer } from '@graft/onnx/node';
import { describe, expect, it } from 'vitest';
import { onnxSessionLayout, openOnnxSessionPool } from './onnx-session-pool.js';

/** A session that answers each batch with its own number, once `release` is called. */
function fakeSession(number: number, log: string[]) {
  const pending: Array<() => void> = [];
  const computer: OnnxFeatureComputer = {
    featureDim: 1,
    weightsId: 'w',
    concurrency: 2,
    engine: { name: 'onnxruntime', detail: '1 thread' },
    graph: { path: undefined, reused: false, bytes: 1 },
    computeFeatures: () =>
      new Promise((resolve) => pending.push(() => resolve(new Float32Array([number])))),
    close: async () => {
      log.push(`closed ${number}`);
    },
  };
  return { computer, release: () => pending.shift()?.() };
}

const batch = { pixels: new Float32Array(1), shape: [1, 1, 1, 1] } as unknown as PreprocessedBatch;

describe('openOnnxSessionPool', () => {
  it('sends each batch to the least busy session and closes every session', async () => {
    const log: string[] = [];
    const sessions = [fakeSession(0, log), fakeSession(1, log)];
    let opened = 0;
    const pool = await openOnnxSessionPool({
      open: async () => (sessions[opened++] as (typeof sessions)[number]).computer,
      sessions: 2,
    });
    expect(pool.concurrency).toBe(4);
    expect(pool.engine.detail).toBe('1 thread; 2 sessions side by side');
    // Let the second session join.
    await new Promise((resolve) => setImmediate(resolve));
    const first = pool.computeFeatures(batch);
    const second = pool.computeFeatures(batch);
    for (const session of sessions) session.release();
    expect([(await first)[0], (await second)[0]]).toEqual([0, 1]);
    await pool.close();
    expect(log.sort()).toEqual(['closed 0', 'closed 1']);
  });

  it('runs on the first session when another fails to open, and fails when the first does', async () => {
    const log: string[] = [];
    const only = fakeSession(0, log);
    let opened = 0;
    const pool = await openOnnxSessionPool({
      open: async () => {
        if (opened++ > 0) throw new Error('no memory');
        return only.computer;
      },
      sessions: 2,
    });
    const result = pool.computeFeatures(batch);
    only.release();
    expect((await result)[0]).toBe(0);
    await pool.close();
    expect(log).toEqual(['closed 0']);
    await expect(
      openOnnxSessionPool({ open: () => Promise.reject(new Error('no runtime')), sessions: 2 }),
    ).rejects.toThrow('no runtime');
  });

  it('gives one single-threaded session per core, at most 4', () => {
    expect(onnxSessionLayout(1)).toEqual({ sessions: 1, threads: 1 });
    expect(onnxSessionLayout(2)).toEqual({ sessions: 2, threads: 1 });
    expect(onnxSessionLayout(16)).toEqual({ sessions: 4, threads: 4 });
  });
});
