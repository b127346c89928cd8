import './register-built-ins.js';

export {
  backboneRegistry,
  createBackbone,
  getBackboneDescriptor,
  listBackbones,
  registerBackbone,
  unregisterBackbone,
} from './registry/backbone-registry.js';
