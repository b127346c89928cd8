import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// What ONNX Runtime's session thread imports besides types (onnx-session-thread.ts).
const threadModule = fileURLToPath(new URL('./load-onnx-runtime.ts', import.meta.url));
// Its normalization of byte batches (normalizePixels from @graft/core/images).
const normalizingModule = fileURLToPath(new URL('./normalizing-run.ts', import.meta.url));

describe("ONNX Runtime's session thread", () => {
  it('loads onnxruntime-node and normalizes bytes without tfjs-core', async () => {
    // In a fresh process: the CommonJS packages loaded once onnxruntime-node is (tfjs-core is
    // CommonJS too, and would be there if the thread's modules imported @graft/core's main entry).
    const script = `
      import { createRequire } from 'node:module';
      const { loadOnnxRuntime } = await import(${JSON.stringify(threadModule)});
      await import(${JSON.stringify(normalizingModule)});
      await loadOnnxRuntime();
      console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@graft/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const loaded = JSON.parse(stdout.trim().split('\n').at(-1) as string) as string[];
    expect(loaded.some((path) => path.includes('onnxruntime-node'))).toBe(true);
    expect(loaded.filter((path) => path.includes('tfjs-core'))).toEqual([]);
  }, 30_000);
});
