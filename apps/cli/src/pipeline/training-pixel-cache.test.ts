import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { defaultPixelCacheBytes } from '@graft/datasets/node';
import { describe, expect, it } from 'vitest';
import type { CommandOutput } from '../output.js';
import { trainingPixelCache } from './training-pixel-cache.js';

const messages: string[] = [];
const output = { info: (text: string) => messages.push(text) } as unknown as CommandOutput;

describe('trainingPixelCache', () => {
  it('caches under <cache>/pixels with the default budget, warnings to the output', () => {
    const options = trainingPixelCache({ output, environment: { GRAFT_CACHE_DIR: '/c' } });
    expect(options?.directory.endsWith(join('', 'pixels'))).toBe(true);
    expect(options?.maximumBytes).toBe(defaultPixelCacheBytes);
    options?.onWarning?.('over budget');
    expect(messages).toEqual(['over budget']);
  });

  it('takes GRAFT_PIXEL_CACHE_BYTES, 0 turning the cache off', () => {
    expect(
      trainingPixelCache({ output, environment: { GRAFT_PIXEL_CACHE_BYTES: '1000' } })
        ?.maximumBytes,
    ).toBe(1000);
    expect(trainingPixelCache({ output, environment: { GRAFT_PIXEL_CACHE_BYTES: '0' } })).toBe(
      undefined,
    );
  });

  it('rejects a budget that is not a number of bytes, naming the variable', () => {
    expect(() =>
      trainingPixelCache({ output, environment: { GRAFT_PIXEL_CACHE_BYTES: 'lots' } }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      trainingPixelCache({ output, environment: { GRAFT_PIXEL_CACHE_BYTES: '-1' } }),
    ).toThrow(/GRAFT_PIXEL_CACHE_BYTES/);
  });
});
