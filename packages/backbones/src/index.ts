import './register-built-ins.js';

export {
  type BackboneFromModelOptions,
  backboneFromModel,
  type FeaturePooling,
  type GraftBackbone,
} from './custom/backbone-from-model.js';
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
