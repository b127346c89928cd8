import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';

// The engine and thread flags are checked before anything is loaded.
describe('graft serve --engine', () => {
  it('refuses an unknown engine and a bad thread count, naming the choices', async () => {
    const engine = await runInProcess('serve', 'no-such-run', '--engine', 'gpu');
    expect(engine.code).toBe(exitCodes.usage);
    expect(engine.stderr).toMatch(/--engine.*tfjs.*onnx/s);
    const threads = await runInProcess(
      'serve',
      'no-such-run',
      '--engine',
      'onnx',
      '--threads',
      '0',
    );
    expect(threads.code).toBe(exitCodes.usage);
    expect(threads.stderr).toMatch(/--threads/);
  });
});
