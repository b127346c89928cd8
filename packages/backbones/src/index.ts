import './register-built-ins.js';

export {
  type BuildConvNextTinyOptions,
  buildConvNextTiny,
  convNextStages,
  convNextTinyFeatureDim,
} from './convnext/convnext-architecture.js';
export { convNextTinyDescriptor, convNextTinyWeights } from './convnext/convnext-descriptors.js';
export {
  type BackboneFromModelOptions,
  backboneFromModel,
  type FeaturePooling,
  type GraftBackbone,
} from './custom/backbone-from-model.js';
export {
  type TeachableMachineBackboneOptions,
  teachableMachineBackbone,
} from './custom/teachable-machine-backbone.js';
export {
  type BuildEfficientNetOptions,
  buildEfficientNet,
  type EfficientNetVariant,
  efficientNetFeatureDim,
  efficientNetScalings,
  efficientNetStages,
  efficientNetVariants,
} from './efficientnet/efficientnet-architecture.js';
export {
  efficientNetDescriptor,
  efficientNetDescriptors,
  efficientNetWeights,
} from './efficientnet/efficientnet-descriptors.js';
export {
  describeWeightFormats,
  detectWeightFormat,
  type WeightFormat,
  type WeightFormatDetector,
  weightFormatDetectors,
} from './formats/detect-weight-format.js';
export {
  type KerasH5Weights,
  type ReadKerasH5WeightsOptions,
  readKerasH5Weights,
} from './formats/keras-h5.js';
export {
  type ParsePyTorchCheckpointOptions,
  parsePyTorchCheckpoint,
} from './formats/pytorch-checkpoint.js';
export {
  type ParseSafetensorsOptions,
  parseSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './formats/safetensors.js';
export { encodeSafetensors, type SafetensorsInput } from './formats/safetensors-encode.js';
export {
  type DecodeTfjsLayersWeightsOptions,
  decodeTfjsLayersWeights,
} from './formats/tfjs-layers-weights.js';
export {
  allLayers,
  applyFrozenBatchNormPolicy,
  isBatchNormalization,
} from './freezing/batch-norm-policy.js';
export {
  belongsTo,
  freezeAllLayers,
  matchesSelector,
  type SetTrainableOptions,
  setTrainableLayers,
} from './freezing/layer-freezing.js';
export {
  type SplitAtBoundaryOptions,
  splitAtBoundary,
  splitBoundaries,
} from './freezing/split-at-boundary.js';
export {
  type FoldBatchNormOptions,
  type FoldBatchNormReport,
  type FoldBatchNormResult,
  foldBatchNorm,
} from './inference/fold-batch-norm.js';
export {
  type FusedActivation,
  FusedConvolution,
  type FusedConvolutionOptions,
  type FusedPadding,
} from './inference/fused-convolution.js';
export { HardSigmoid, hardSigmoid } from './layers/hard-sigmoid.js';
export { HardSwish, hardSwish } from './layers/hard-swish.js';
export { LayerScale } from './layers/layer-scale.js';
export { StochasticDepth, type StochasticDepthOptions } from './layers/stochastic-depth.js';
export {
  type BuildMobileNetV2Options,
  buildMobileNetV2,
  type MobileNetV2Alpha,
  mobileNetV2Alphas,
  mobileNetV2FeatureDim,
  mobileNetV2Stages,
} from './mobilenet-v2/build-mobilenet-v2.js';
export {
  type CreateMobileNetV2Options,
  createMobileNetV2,
  type MobileNetV2Backbone,
  type MobileNetV2Options,
  mobileNetV2Name,
  mobileNetV2Preprocessing,
} from './mobilenet-v2/create-mobilenet-v2.js';
export {
  mobileNetV2Descriptor,
  mobileNetV2Descriptors,
} from './mobilenet-v2/mobilenet-v2-descriptors.js';
export {
  imageNetClassLabels,
  type MobileNetV2WeightSource,
  mobileNetV2WeightSources,
} from './mobilenet-v2/mobilenet-v2-weights.js';
export {
  type BuildMobileNetV3Options,
  buildMobileNetV3,
  type MobileNetV3Variant,
  mobileNetV3FeatureDim,
  mobileNetV3Stages,
  mobileNetV3Variants,
} from './mobilenet-v3/mobilenet-v3-architecture.js';
export {
  mobileNetV3Descriptor,
  mobileNetV3Descriptors,
  mobileNetV3Weights,
} from './mobilenet-v3/mobilenet-v3-descriptors.js';
export {
  acceptedWeightFormats,
  backboneRegistry,
  createBackbone,
  getBackboneDescriptor,
  listBackbones,
  registerBackbone,
  unregisterBackbone,
} from './registry/backbone-registry.js';
export { type CreateResNetOptions, createResNet } from './resnet/create-resnet.js';
export {
  type LoadTorchStateDictOptions,
  type LoadTorchStateDictResult,
  loadTorchStateDict,
} from './resnet/load-torch-state-dict.js';
export {
  type BuildResNetOptions,
  buildResNet,
  type ResNetDepth,
  resNetFeatureDim,
  resNetStages,
} from './resnet/resnet-architecture.js';
export { resNetDescriptor, resNetDescriptors } from './resnet/resnet-descriptors.js';
export { torchvisionPreprocessing, torchvisionWeights } from './resnet/resnet-weights.js';
export {
  type CreateSentenceEncoderOptions,
  createSentenceEncoder,
  isSentenceEncoderName,
  listSentenceEncoders,
  registerSentenceEncoder,
  type SentenceEncoder,
  type SentenceEncoderDescriptor,
  type SentenceEncoderFromFunctionOptions,
  sentenceEncoderFromFunction,
  sentenceEncoderRegistry,
} from './text/sentence-encoder.js';
export {
  SentencePieceTokenizer,
  type SentencePieceTokenizerOptions,
  type VocabularyEntry,
} from './text/sentence-piece-tokenizer.js';
export {
  type CreateUseLiteOptions,
  createUseLite,
  loadUseLiteFromUrl,
  type SentenceGraphModel,
  useLiteDescriptor,
  useLiteFeatureDim,
  useLiteName,
  useLitePackage,
} from './text/use-lite.js';
export {
  type CreateTorchvisionBackboneOptions,
  createTorchvisionBackbone,
  type TorchvisionFamily,
  torchvisionWeightFormats,
} from './torchvision/create-torchvision-backbone.js';
export {
  type TorchvisionClassificationPreprocessingOptions,
  torchvisionClassificationPreprocessing,
} from './torchvision/torchvision-preprocessing.js';
export {
  type AssignWeightsByNameOptions,
  type AssignWeightsReport,
  assignWeightsByName,
} from './weights/assign-weights.js';
export {
  type KnownWeightFile,
  knownWeightFile,
  knownWeightFiles,
} from './weights/known-weight-files.js';
export {
  type LoadWeightsOptions,
  loadWeights,
  loadWeightsOverHttp,
} from './weights/load-weights.js';
export { type WeightProvenance, weightProvenance } from './weights/weight-provenance.js';
export type { LoadedWeights, WeightResolutionOptions } from './weights/weight-resolution.js';
