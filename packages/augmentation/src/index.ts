export { compose, composeDescriptor } from './image/compose.js';
export type { FillMode, Interpolation } from './image/functional/affine.js';
export type {
  ImageAugmentationConfig,
  ImageOp,
  ImageOpContext,
  ImageOpDescriptor,
} from './image/image-op.js';
export {
  fromConfig,
  imageOpDescriptors,
  imageOpNames,
  imageOpRegistry,
  registerImageOp,
} from './image/image-op-registry.js';
export { type CenterCropOptions, centerCrop } from './image/ops/center-crop.js';
export { type ColorJitterOptions, colorJitter } from './image/ops/color-jitter.js';
export { type CutmixOptions, cutmix } from './image/ops/cutmix.js';
export { type GaussianBlurOptions, gaussianBlur } from './image/ops/gaussian-blur.js';
export type { FillOptions } from './image/ops/geometry-fill.js';
export { type MixupOptions, mixup } from './image/ops/mixup.js';
export { type NormalizeOptions, normalize } from './image/ops/normalize.js';
export {
  type RandAugmentOptions,
  type RandAugmentTransform,
  randAugment,
  randAugmentTransforms,
} from './image/ops/rand-augment.js';
export { type PaddingMode, type RandomCropOptions, randomCrop } from './image/ops/random-crop.js';
export { type RandomErasingOptions, randomErasing } from './image/ops/random-erasing.js';
export { type FlipMode, type RandomFlipOptions, randomFlip } from './image/ops/random-flip.js';
export { type RandomGrayscaleOptions, randomGrayscale } from './image/ops/random-grayscale.js';
export {
  type RandomResizedCropOptions,
  randomResizedCrop,
} from './image/ops/random-resized-crop.js';
export { type RandomRotationOptions, randomRotation } from './image/ops/random-rotation.js';
export {
  type RandomTranslationOptions,
  randomTranslation,
} from './image/ops/random-translation.js';
export { type RandomZoomOptions, randomZoom } from './image/ops/random-zoom.js';
export { type ResizeOptions, resize } from './image/ops/resize.js';
export { randomApply } from './image/random-apply.js';
export {
  type StandardAugmentationOptions,
  standardAugmentation,
} from './image/standard-augmentation.js';
export { composeText, randomApplyText } from './text/compose-text.js';
export { defaultThesaurus } from './text/default-thesaurus.js';
export { type RandomDeletionOptions, randomDeletion } from './text/random-deletion.js';
export { type RandomInsertionOptions, randomInsertion } from './text/random-insertion.js';
export { type RandomSwapOptions, randomSwap } from './text/random-swap.js';
export { type SentenceShuffleOptions, sentenceShuffle } from './text/sentence-shuffle.js';
export {
  type SynonymReplacementOptions,
  synonymReplacement,
} from './text/synonym-replacement.js';
export type {
  TextAugmentation,
  TextAugmentationConfig,
  TextAugmentOptions,
  TextOpContext,
  TextOpDescriptor,
} from './text/text-augmentation.js';
export {
  registerTextOp,
  textFromConfig,
  textOpDescriptors,
  textOpNames,
  textOpRegistry,
} from './text/text-op-registry.js';
export { registerThesaurus, type ThesaurusOption, thesaurusNames } from './text/thesaurus.js';
