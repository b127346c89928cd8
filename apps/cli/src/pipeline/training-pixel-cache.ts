import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { defaultCacheDir } from '@graft/core/node';
import { defaultPixelCacheBytes, type PixelCacheOptions } from '@graft/datasets/node';
import type { CommandOutput } from '../output.js';

/** Options of {@link trainingPixelCache}. */
export interface TrainingPixelCacheOptions {
  /** Where the cache's warnings go. */
  output: CommandOutput;
  /** Environment to read `GRAFT_PIXEL_CACHE_BYTES` from. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
}

/**
 * The decoded-pixel cache of `graft train --augment`: frames in `<cache>/pixels`
 * (`GRAFT_CACHE_DIR`), at most `GRAFT_PIXEL_CACHE_BYTES` per dataset (default 4 GiB; `0` turns
 * it off). Augmented epochs and passes then read decoded frames instead of decoding JPEGs.
 */
export function trainingPixelCache(
  options: TrainingPixelCacheOptions,
): PixelCacheOptions | undefined {
  const text = (options.environment ?? process.env).GRAFT_PIXEL_CACHE_BYTES;
  const maximumBytes = text === undefined || text === '' ? defaultPixelCacheBytes : Number(text);
  if (!Number.isFinite(maximumBytes) || maximumBytes < 0) {
    throw new InvalidArgumentError({
      argument: 'GRAFT_PIXEL_CACHE_BYTES',
      value: text,
      expected: `must be a number of bytes >= 0 (0 turns the pixel cache off; default ${defaultPixelCacheBytes})`,
    });
  }
  if (maximumBytes === 0) return undefined;
  return {
    directory: join(defaultCacheDir(), 'pixels'),
    maximumBytes,
    onWarning: (message) => options.output.info(message),
  };
}
