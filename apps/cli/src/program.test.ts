import { describe, expect, it } from 'vitest';
import { exitCodes } from './exit-codes.js';
import { runCli } from './program.js';

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    arguments: args,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe('graft', () => {
  it('prints help listing the commands', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(exitCodes.success);
    expect(stdout).toContain('doctor');
    expect(stdout).toContain('demo');
  });

  it('exits with the usage code for an unknown command', async () => {
    const { code, stderr } = await run('trian');
    expect(code).toBe(exitCodes.usage);
    expect(stderr).toMatch(/unknown command 'trian'/);
  });

  it('doctor --json reports cores, memory and where files resolve', async () => {
    const { code, stdout } = await run('--json', 'doctor');
    expect(code).toBe(exitCodes.success);
    const report = JSON.parse(stdout);
    expect(report.cores).toBeGreaterThan(0);
    expect(report.memoryGiB.total).toBeGreaterThan(0);
    expect(typeof report.cacheDir).toBe('string');
  });
});
