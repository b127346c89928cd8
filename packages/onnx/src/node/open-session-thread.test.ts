import { describe, expect, it } from 'vitest';
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
});
