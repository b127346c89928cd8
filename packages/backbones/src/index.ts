import './register-built-ins.js';

export {
  type BackboneFromModelOptions,
  backboneFromModel,
  type FeaturePooling,
  type GraftBackbone,
} from './custom/backbone-from-model.js';
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
