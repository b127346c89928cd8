import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(['libjpeg-turbo', 'sharp']).toContain(report.jpegDecoder.name);
    expect(report.jpegDecoder.reason).toMatch(/\w/);
    if (process.env.GRAFT_REQUIRE_TURBOJPEG === '1') {
      expect(report.jpegDecoder.name).toBe('libjpeg-turbo');
    }
  });

  it('rejects a bad flag value in one line with the usage code, the stack only with --verbose', async () => {
    const { code, stderr } = await run('train', 'data', '--epochs', 'ten');
    expect(code).toBe(exitCodes.usage);
    expect(stderr.trim()).toBe(
      'graft: Argument `--epochs` must be a whole number ≥ 1. Received: --epochs="ten"',
    );
    const verbose = await run('--verbose', 'train', 'data', '--epochs', 'ten');
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('with --json also prints the error as JSON on stdout', async () => {
    const { code, stdout } = await run('--json', 'train', 'data', '--mode', 'finetune');
    expect(code).toBe(exitCodes.usage);
    expect(JSON.parse(stdout)).toEqual({
      error: {
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('--mode'),
        exitCode: exitCodes.usage,
      },
    });
  });

  it('points at the line of a broken config file, with the input exit code', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'graft-cli-program-'));
    try {
      const config = join(directory, 'train.yaml');
      await writeFile(config, 'epochs: 2\nmode: [fine-tune\n');
      const { code, stderr } = await run('train', '--config', config);
      expect(code).toBe(exitCodes.input);
      expect(stderr).toMatch(/train\.yaml: not valid YAML at line \d+/);
      await writeFile(config, 'data: somewhere\nepoch: 2\n');
      const unknownKey = await run('train', '--config', config);
      expect(unknownKey.code).toBe(exitCodes.usage);
      expect(unknownKey.stderr).toContain('Received: config file key="epoch"');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
