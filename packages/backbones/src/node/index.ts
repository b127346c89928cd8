// Node-only helpers (file IO): import from `@graft/backbones/node`.
export { readSafetensorsFile } from '../formats/safetensors-node.js';
export {
  type BackboneFromModelFileOptions,
  backboneFromModelFile,
} from './backbone-from-model-file.js';
export {
  type FileSystemIOHandlerOptions,
  fileSystemIOHandler,
} from './file-io-handler.js';
export {
  type InspectedWeightsFile,
  type InspectWeightsFileOptions,
  inspectWeightsFile,
} from './inspect-weights-file.js';
export {
  type ClassLabel,
  type LoadClassLabelsOptions,
  loadClassLabels,
} from './load-class-labels.js';
export { loadWeightsFromFiles } from './load-weights-from-files.js';
