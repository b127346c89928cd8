import { join } from 'node:path';
import { defaultCacheDir } from '@graft/core/node';

/** The feature cache's folder: `<GRAFT_CACHE_DIR>/features`. */
export function featureCacheDirectory(): string {
  return join(defaultCacheDir(), 'features');
}
