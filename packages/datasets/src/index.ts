// The resize definition lives in @graft/core (one implementation for every package and app);
// re-exported here because dataset users configure it.
export {
  checkResizeOptions,
  defaultCropFraction,
  type ResizeGeometry,
  resizeGeometry,
  resizeImage,
} from '@graft/core';
export { decodeInBrowser, type ImageDecoder } from './browser/decode-in-browser.js';
export {
  EntryImageDataset,
  type ImageFileCollection,
  type ImageFileEntry,
  imageFileEntry,
  type LabelledEntry,
  type OpenImageFilesOptions,
  openImageFiles,
} from './browser/open-image-files.js';
export { resizePixels } from './browser/resize-pixels.js';
export { cosinePairs } from './cleaning/cosine-pairs.js';
export type {
  DuplicateCandidate,
  DuplicateImage,
  DuplicateKind,
  DuplicateKindCounts,
  DuplicateReport,
  ExactDuplicateGroup,
  NearDuplicateMethod,
  NearDuplicatePair,
} from './cleaning/duplicate-report.js';
export {
  checkCosineThreshold,
  checkHammingThreshold,
  defaultCosineThreshold,
  defaultHammingThreshold,
  maximumHammingThreshold,
} from './cleaning/duplicate-thresholds.js';
export { type FindDuplicatesOptions, findDuplicates } from './cleaning/find-duplicates.js';
export { hammingPairs, type IndexPairs } from './cleaning/hamming-pairs.js';
export {
  hammingDistance,
  type PerceptualHashInput,
  perceptualHash,
  perceptualHashSize,
} from './cleaning/perceptual-hash.js';
export { decodeBmp, isBmp } from './decoders/decode-bmp.js';
export { decodeNetpbm, isNetpbm } from './decoders/decode-netpbm.js';
export type { DecodedImage } from './decoders/decoded-image.js';
export {
  type CheckPixelLimitOptions,
  checkPixelLimit,
  type DecodeLimits,
  defaultMaximumPixels,
} from './decoders/pixel-limit.js';
export { imageExtensionProblem, imageExtensions, type SplitName } from './image-extensions.js';
export type { DatasetBatchOptions } from './pipeline/batch-options.js';
export {
  type ChannelTransform,
  type CropResizeIntoOptions,
  cropResizeInto,
  cropResizeIntoScalar,
  identityTransform,
} from './pipeline/crop-resize-into.js';
export { type EpochOrderOptions, epochOrder } from './pipeline/epoch-order.js';
export {
  type LoadedImage,
  type StreamBatchesOptions,
  streamBatches,
} from './pipeline/stream-batches.js';
export {
  type LoadedBatch,
  type LoadedItem,
  type StreamLoadedBatchesOptions,
  streamLoadedBatches,
} from './pipeline/stream-loaded-batches.js';
export {
  type StreamPixelBatchesOptions,
  streamPixelBatches,
} from './pipeline/stream-pixel-batches.js';
export {
  type MultiLabelSplitOptions,
  type MultiLabelSplitResult,
  multiLabelSplit,
} from './splits/multi-label-split.js';
export {
  allocateCounts,
  normalizeFractions,
  type SplitFractions,
} from './splits/split-fractions.js';
export {
  type ManifestEntry,
  parseSplitManifest,
  type SplitManifest,
} from './splits/split-manifest.js';
export {
  type Fold,
  type StratifiedKFoldOptions,
  stratifiedKFold,
} from './splits/stratified-k-fold.js';
export {
  groupByLabel,
  type RandomSplitOptions,
  randomSplit,
  type SplitIndices,
  type SplitResult,
  type StratifiedSplitOptions,
  stratifiedSplit,
} from './splits/stratified-split.js';
export {
  findTextDuplicates,
  type TextDuplicateGroup,
  withoutTextDuplicates,
} from './text/find-text-duplicates.js';
export { normalizeTextKey } from './text/normalize-text-key.js';
export { parseFortunes } from './text/parse-fortunes.js';
export {
  type SplitTextExamplesOptions,
  splitTextExamples,
  type TextSplits,
} from './text/split-text-examples.js';
export { selectTextExamples, type TextExamples, textExamplesFrom } from './text/text-examples.js';
