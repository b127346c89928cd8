import type { SentenceEncoder } from '@graft/backbones';
import type { FeatureStore } from '@graft/trainer';
import { DiskFeatureStore } from '@graft/trainer/node';
import type { CommandOutput } from '../output.js';
import { featureCacheDirectory } from '../pipeline/feature-cache-directory.js';
import { featureCacheBytes } from '../pipeline/training-feature-cache.js';
import { version } from '../version.js';

/**
 * The disk cache of text embeddings (`<GRAFT_CACHE_DIR>/features`, the image features' folder
 * and byte budget, its own namespace), or `undefined` when `GRAFT_FEATURE_CACHE_BYTES=0` or the
 * encoder's weights id does not name its content (`…sha256:…`, as `use-lite` loaded from files
 * has): an encoder made from a function or loaded from a URL could change under the same name,
 * so its embeddings are kept for one process only.
 */
export function openTextEmbeddingCache(options: {
  encoder: SentenceEncoder;
  /** The tfjs backend (kernels round differently). */
  backend: string;
  output: CommandOutput;
  /** Environment to read `GRAFT_FEATURE_CACHE_BYTES` from. Default `process.env`. */
  environment?: NodeJS.ProcessEnv;
}): FeatureStore | undefined {
  const { encoder } = options;
  const maximumBytes = featureCacheBytes(options.environment);
  if (maximumBytes === 0 || !/sha256:[0-9a-f]{16}/.test(encoder.weightsId)) return undefined;
  const identity = {
    format: 'graft-cli-text-embeddings-v1',
    graft: version,
    encoder: encoder.name,
    weightsId: encoder.weightsId,
    featureDim: encoder.featureDim,
    backend: options.backend,
  };
  return new DiskFeatureStore({
    directory: featureCacheDirectory(),
    namespace: JSON.stringify(identity),
    identity,
    maximumBytes,
    onWarning: (message) => options.output.error(`graft: warning: ${message}`),
  });
}
