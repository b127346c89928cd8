import type { Backbone } from '@graft/core';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../output.js';
import {
  defaultFeatureCacheBytes,
  describeFeatureCacheReport,
  featureCacheBytes,
  featureCacheReport,
  openTrainingFeatureCache,
} from './training-feature-cache.js';

describe('the training feature cache settings', () => {
  it('reads GRAFT_FEATURE_CACHE_BYTES, and names it with the value when it is not a size', () => {
    expect(featureCacheBytes({})).toBe(defaultFeatureCacheBytes);
    expect(featureCacheBytes({ GRAFT_FEATURE_CACHE_BYTES: '' })).toBe(defaultFeatureCacheBytes);
    expect(featureCacheBytes({ GRAFT_FEATURE_CACHE_BYTES: '1048576' })).toBe(1048576);
    for (const bad of ['-1', 'lots', 'NaN']) {
      expect(() => featureCacheBytes({ GRAFT_FEATURE_CACHE_BYTES: bad })).toThrow(
        new RegExp(`GRAFT_FEATURE_CACHE_BYTES.*${bad}`, 's'),
      );
    }
  });

  it('GRAFT_FEATURE_CACHE_BYTES=0 turns the cache off before anything is hashed', async () => {
    const store = await openTrainingFeatureCache({
      // Never touched: the budget is read first.
      backbone: {} as Backbone,
      dataPreprocessing: {} as Backbone['preprocessing'],
      backend: 'wasm',
      output: createOutput(() => ({ quiet: true })),
      environment: { GRAFT_FEATURE_CACHE_BYTES: '0' },
    });
    expect(store).toBeUndefined();
  });

  it('reports hits and computed images, the teacher counting computed plus cached', () => {
    const report = featureCacheReport({
      store: undefined,
      extraction: { images: 10, cacheHits: 7, backboneCalls: 1, backboneImages: 3 },
      teacher: { images: 2, cacheHits: 6 },
    });
    expect(report).toEqual({
      enabled: false,
      images: 10,
      fromCache: 7,
      computed: 3,
      teacher: { images: 8, fromCache: 6, computed: 2 },
    });
    expect(describeFeatureCacheReport(report)).toBe(
      'features: 7 from cache, 3 computed; teacher 6 from cache, 2 computed (cache off)',
    );
  });
});
