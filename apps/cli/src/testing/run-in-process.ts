import { runCli } from '../program.js';

/**
 * Runs the `graft` command in this process on the wasm backend, as the in-process command tests
 * do, and collects what it printed. The exit code is returned, not set on the process.
 */
export async function runInProcess(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    arguments: ['--backend', 'wasm', ...args],
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}
