import { resolve } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import type { Command } from 'commander';
import { parseInteger } from '../config/parse-values.js';
import { parseQueueUrl } from './queue-connection.js';

/** `--queue`, `--shared-dir`, `--shard-images` of `graft train`. */
export interface QueueFlags {
  queue?: string;
  sharedDir?: string;
  shardImages?: string;
}

/** Where a run's frozen features are computed when `--queue` is given. */
export interface QueueSettings {
  /** The Redis server. */
  url: URL;
  /** The shared directory of shard files, absolute. */
  directory: string;
  /** Images per shard. */
  shardImages: number;
}

/** Adds the queue flags to `command`; `what` the workers compute (`frozen features`, `predictions`). */
export function addQueueFlags(command: Command, what = 'frozen features'): Command {
  return command
    .option(
      '--queue <url>',
      `compute ${what} on \`graft worker\` processes through Redis (BullMQ): redis://host:6379 or rediss://user:password@host:6380`,
    )
    .option(
      '--shared-dir <dir>',
      'with --queue: directory for shard files that this machine and every worker see (at the same path, or through graft worker --map-path)',
    )
    .option('--shard-images <n>', 'with --queue: images per shard job (default 256)');
}

/** The queue settings of `flags`, or undefined without `--queue`. */
export function queueSettingsFrom(flags: QueueFlags): QueueSettings | undefined {
  if (flags.queue === undefined) {
    for (const [flag, value] of [
      ['--shared-dir', flags.sharedDir],
      ['--shard-images', flags.shardImages],
    ] as const) {
      if (value !== undefined) {
        throw new InvalidArgumentError({
          argument: flag,
          value,
          expected: 'applies only with --queue <url>',
        });
      }
    }
    return undefined;
  }
  const url = parseQueueUrl(flags.queue);
  if (flags.sharedDir === undefined) {
    throw new InvalidArgumentError({
      argument: '--shared-dir',
      value: undefined,
      expected:
        'is required with --queue: a directory every worker sees at the same path (e.g. an NFS mount)',
    });
  }
  return {
    url,
    directory: resolve(flags.sharedDir),
    shardImages:
      flags.shardImages === undefined
        ? 256
        : parseInteger('--shard-images', flags.shardImages, { minimum: 1 }),
  };
}

/** `graft predict --queue` with a text classifier: workers classify image files only. */
export function queueNeedsImages(run: string): InvalidArgumentError {
  return new InvalidArgumentError({
    argument: '--queue',
    value: run,
    expected: 'applies to image classifiers (workers read image files); this is a text classifier',
  });
}
