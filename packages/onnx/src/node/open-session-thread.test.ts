import { describe, expect, it } from 'vitest';
import { probeOnnxRuntime } from './load-onnx-runtime.js';
import { startSessionThread } from './open-session-thread.js';

describe('startSessionThread', () => {
  it('closes unopened, and refuses an open after close', async () => {
    const started = startSessionThread();
    await started.close();
    await started.close();
    await expect(started.open(new Uint8Array(1), {})).rejects.toThrow(/already opened or closed/);
  });

  it('rejects a graph ONNX Runtime cannot load, ends the thread and opens only once', async () => {
    const started = startSessionThread();
    await expect(started.open(new Uint8Array([1, 2, 3, 4]), {})).rejects.toThrow();
    await expect(started.open(new Uint8Array([1, 2, 3, 4]), {})).rejects.toThrow(
      /already opened or closed/,
    );
    // Closing after a failed open is harmless.
    await started.close();
  });

  it('says whether onnxruntime-node loads in it, as probeOnnxRuntime does here', async () => {
    const started = startSessionThread();
    try {
      const here = await probeOnnxRuntime();
      expect(await started.probe()).toEqual(here);
      // Asked again (after the answer came): the same answer.
      expect(await started.probe()).toEqual(here);
    } finally {
      await started.close();
    }
    // A thread closed before it answered rejects instead of leaving the caller waiting.
    const closed = startSessionThread();
    await closed.close();
    await expect(closed.probe()).rejects.toThrow(/closed|exited/);
  });
});
