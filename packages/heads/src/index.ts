export { type HiddenActivation, hiddenActivations } from './build-head.js';
export {
  createHead,
  getHeadDescriptor,
  headFromConfig,
  listHeads,
  registerHead,
} from './head-registry.js';
export { type LinearHeadOptions, linearHead } from './heads/linear.js';
export { type MlpHeadOptions, mlpHead } from './heads/mlp.js';
export { type MultiLabelHeadOptions, multiLabelHead } from './heads/multi-label.js';
