export {
  checkpointFiles,
  readCheckpoint,
  removeIncompleteCheckpoints,
  writeCheckpoint,
} from './checkpoint-files.js';
export {
  loadClassifier,
  type SaveClassifierOptions,
  saveClassifier,
  writeClassifierDirectory,
} from './classifier-files.js';
export { crashPoint, crashPointVariable } from './crash-point.js';
export {
  DiskFeatureStore,
  type DiskFeatureStoreOptions,
  type DiskFeatureStoreStats,
  type FeatureCacheTrim,
} from './disk-feature-store.js';
export {
  describeFeatureCache,
  type FeatureCacheFile,
  type FeatureCacheNamespace,
  leastRecentlyUsedOverBudget,
  listFeatureCacheFiles,
} from './feature-cache-listing.js';
export {
  createFeatureWorkerPool,
  type FeatureWorkerPool,
  type FeatureWorkerPoolOptions,
} from './feature-worker-pool.js';
export type { FeatureBackboneFactory } from './feature-worker-protocol.js';
export {
  type CsvLoggerOptions,
  csvLogger,
  type JsonLinesLoggerOptions,
  jsonLinesLogger,
} from './file-loggers.js';
export {
  latestCheckpointDirectory,
  latestPointerFile,
  readLatestCheckpoint,
  writeLatestPointer,
} from './latest-checkpoint.js';
export {
  type CheckpointRecord,
  checkpointName,
  type ModelCheckpoint,
  type ModelCheckpointOptions,
  modelCheckpoint,
} from './model-checkpoint.js';
export { type ProgressBarOptions, progressBar } from './progress-bar.js';
export {
  createTrainingWorkerPool,
  type TrainingWorkerPool,
  type TrainingWorkerPoolOptions,
} from './training-worker-pool.js';
