export { AssetNotFoundError } from './errors/asset-not-found-error.js';
export { FileFormatError } from './errors/file-format-error.js';
export { formatValue } from './errors/format-value.js';
export { GraftError, type GraftErrorCode } from './errors/graft-error.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { LockedError } from './errors/locked-error.js';
export { nearestNames } from './errors/nearest-names.js';
export { OutOfMemoryError } from './errors/out-of-memory-error.js';
export { StorageError } from './errors/storage-error.js';
export { UnknownNameError } from './errors/unknown-name-error.js';
export { normalizeImages } from './preprocessing/normalize-images.js';
export { normalizationConstants, normalizePixels } from './preprocessing/normalize-pixels.js';
export {
  checkResizeOptions,
  defaultCropFraction,
  type ResizeGeometry,
  resizeGeometry,
} from './preprocessing/resize-geometry.js';
export {
  type ResizeImageOptions,
  type RgbPixels,
  resizeImage,
} from './preprocessing/resize-image.js';
export {
  type ResolvedPreprocessing,
  type ResolvedResizePolicy,
  resolvePreprocessing,
} from './preprocessing/resolve-preprocessing.js';
export {
  hasTeachableMachineMarks,
  teachableMachinePackageName,
  teachableMachinePreprocessing,
} from './preprocessing/teachable-machine-preprocessing.js';
export { type RandomState, SeededRandom } from './random/seeded-random.js';
export { type RegisterOptions, Registry } from './registry/registry.js';
export { specificationVersion } from './specification-version.js';
export { ownedArray } from './threads/owned-array.js';
export type { AugmentOptions, ImageAugmentation } from './types/augmentation.js';
export type {
  Backbone,
  BackboneDescriptor,
  BackboneSplit,
  CreateBackboneOptions,
  LayerSelector,
  SplitOptions,
  UnfreezeOptions,
  WeightSource,
} from './types/backbone.js';
export type {
  BackboneForwardPass,
  BackboneForwardRequest,
  BackboneTrainingEngine,
} from './types/backbone-training-engine.js';
export type { Callback, CallbackContext, TrainingControl, TrainLogs } from './types/callback.js';
export type {
  BatchOptions,
  DatasetImageKeys,
  ImageDataset,
  ImageKeysOptions,
  PixelImageBatch,
} from './types/dataset.js';
export { disposeBatch } from './types/dispose-batch.js';
export type {
  FeatureComputer,
  FeatureEngine,
  PixelBatch,
  PreprocessedBatch,
} from './types/feature-computer.js';
export type { CreateHeadOptions, Head, HeadDescriptor } from './types/head.js';
export type { ImageBatch, ImageSample } from './types/image.js';
export {
  type ImageView,
  type ImageViewPlanner,
  type ImageViewPlanOptions,
  isViewBatchSource,
  isViewPlannable,
  type ViewBatchOptions,
  type ViewBatchSource,
  type ViewPlannableAugmentation,
} from './types/image-view.js';
export type { JsonObject, JsonValue } from './types/json.js';
export type { Preprocessing, ResizePolicy } from './types/preprocessing.js';
export type { Schedule, ScheduleConfig, ScheduleDescriptor } from './types/schedule.js';
export {
  checkBoolean,
  checkFraction,
  checkInteger,
  checkNonNegative,
  checkNonNegativeInteger,
  checkOneOf,
  checkOpenInterval,
  checkPositive,
  checkPositiveInteger,
} from './validation/checks.js';
export {
  alignSimd,
  maximumSimdKernelBytes,
  type SimdKernel,
  simdKernel,
} from './wasm/simd-kernel.js';
