import { describe, expect, it } from 'vitest';
import { exitCodes } from '../exit-codes.js';
import { runInProcess } from '../testing/run-in-process.js';
import { queueSettingsFrom } from './queue-flags.js';

describe('queue flags', () => {
  it('need --shared-dir with --queue, and --queue for the others', () => {
    expect(() => queueSettingsFrom({ queue: 'redis://host:6379' })).toThrow(
      /--shared-dir.*required with --queue/,
    );
    expect(() => queueSettingsFrom({ sharedDir: '/nfs' })).toThrow(
      /--shared-dir.*only with --queue/,
    );
    expect(
      queueSettingsFrom({ queue: 'redis://host:6379', sharedDir: '/nfs', shardImages: '64' }),
    ).toMatchObject({ directory: '/nfs', shardImages: 64 });
  });

  it('refuse what workers cannot compute, before anything loads', async () => {
    const fineTune = await runInProcess(
      'train',
      'some-folder',
      '--mode',
      'fine-tune',
      '--queue',
      'redis://user:s3cret@host:6379',
      '--shared-dir',
      '/tmp',
    );
    expect(fineTune.code).toBe(exitCodes.usage);
    expect(fineTune.stderr).toMatch(/--queue.*applies to --mode feature-extraction/);
    expect(fineTune.stderr).not.toMatch(/s3cret/);
  });
});
