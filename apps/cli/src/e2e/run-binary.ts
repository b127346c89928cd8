import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built binary the e2e tests run (`pnpm build` / `turbo run build` makes it). */
export const binary = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Throws a clear message when the binary has not been built. */
export function requireBinary(): void {
  if (!existsSync(binary)) {
    throw new Error(
      `${binary} is missing: build first (pnpm --filter @graft/cli... build, or the root pnpm test).`,
    );
  }
}

/** What a finished run of the binary gave. */
export interface BinaryResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runBinary}. */
export interface RunBinaryOptions {
  /** Environment added over the test's. */
  env?: Record<string, string | undefined>;
  /** Called with each stderr chunk and the child (to send signals). */
  onStderr?: (text: string, child: ChildProcess) => void;
  /** Working directory. */
  cwd?: string;
}

/** Runs `node dist/main.js …arguments` as a subprocess. */
export function runBinary(
  arguments_: readonly string[],
  options: RunBinaryOptions = {},
): Promise<BinaryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...arguments_], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onStderr?.(text, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
