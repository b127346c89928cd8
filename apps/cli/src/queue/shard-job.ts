import type { TrainingBackboneSpec } from '../pipeline/training-backbone.js';

/**
 * What decides a shard's features besides its images. A worker computes its own and refuses a
 * job whose identity differs (other weights, preprocessing, engine, backend, decoder or graft
 * version would give other features than the run's own process).
 */
export interface FeatureIdentity {
  /** `backboneCacheIdentity`: architecture, weight bytes, preprocessing, weightsId. */
  backbone: string;
  /** sha256 of the weights file loaded (`null`: random weights). */
  weightsSha256: string | null;
  /** The engine that runs the backbone (`tfjs` or `onnxruntime`). */
  engine: string;
  /** The tfjs backend (kernels round differently). */
  backend: string;
  /** sharp and libvips versions (decoding and resizing). */
  decoder: string;
  /** The graft version (a release may change the pipeline). */
  graft: string;
}

/**
 * The payload of one shard job. It names files, the backbone and the identity the features must
 * have; never a credential (the queue URL stays with each process).
 */
export interface ShardJob {
  /** Payload format, so an older worker refuses a newer job instead of misreading it. */
  format: typeof shardJobFormat;
  /** The shard's name (its content digest): the result file is `<directory>/<shard>.shard`. */
  shard: string;
  /** The images, absolute paths as the worker must find them (a shared filesystem). */
  files: string[];
  /** How to build the backbone (registered name or model file, weights). */
  backbone: TrainingBackboneSpec;
  /** What the features must be computed with. */
  identity: FeatureIdentity;
  /** Images per backbone call: the run's extraction batch size, so batches match a local run. */
  batchSize: number;
  /** The shared directory the shard file goes in. */
  directory: string;
}

/** Version of {@link ShardJob}. */
export const shardJobFormat = 'graft-shard-job-v1';

/** What a worker reports as job progress. */
export interface ShardProgress {
  /** Images done in this shard. */
  done: number;
  /** Images of the shard. */
  total: number;
  /** `host pid` of the worker. */
  worker: string;
  /** Images per second of this worker on this shard so far. */
  imagesPerSecond: number;
}

/** The fields of `expected` that `actual` does not match, as `name: actual ≠ expected` lines. */
export function identityMismatches(actual: FeatureIdentity, expected: FeatureIdentity): string[] {
  return (Object.keys(expected) as (keyof FeatureIdentity)[])
    .filter((field) => actual[field] !== expected[field])
    .map((field) => `${field}: this worker has ${actual[field]}, the run needs ${expected[field]}`);
}
