import type { TestTimeAugmentation } from '@graft/trainer';

/**
 * What decides a prediction shard's probabilities besides its images. A worker computes its own
 * and refuses a job whose identity differs.
 */
export interface PredictIdentity {
  /** sha256 over the classifier directory's files (model, weights, metadata with labels and preprocessing). */
  classifier: string;
  /** The tfjs backend (kernels round differently). */
  backend: string;
  /** sharp and libvips versions (decoding and resizing). */
  decoder: string;
  /** The graft version. */
  graft: string;
}

/**
 * The payload of one prediction shard job (`graft predict --queue`): files, the classifier's
 * directory and identity, never a credential.
 */
export interface PredictShardJob {
  /** Payload format: a worker that reads only feature shards refuses it instead of misreading it. */
  format: typeof predictJobFormat;
  /** The shard's name (its content digest): the result file is `<directory>/<shard>.shard`. */
  shard: string;
  /** The images, absolute paths as the enqueuing machine names them (`--map-path` on a worker translates them). */
  files: string[];
  /** The classifier directory (model.json, weights, metadata.json), as the enqueuing machine names it. */
  modelDir: string;
  /** What the probabilities must be computed with. */
  identity: PredictIdentity;
  /** Images per classifier call: `graft predict`'s, so batches match a local run. */
  batchSize: number;
  /** Test-time augmentation views (`--tta`); absent: plain probabilities. */
  views?: TestTimeAugmentation;
  /** The shared directory the shard file goes in. */
  directory: string;
}

/** Version of {@link PredictShardJob}. */
export const predictJobFormat = 'graft-predict-job-v1';
