// Node-only helpers (file IO): import from `@graft/backbones/node`.
import { sentenceEncoderRegistry } from '../text/sentence-encoder.js';
import { useLiteNodeDescriptor } from './use-lite-files.js';

// Importing the Node entry lets `use-lite` load from files (the installed package or a mirror).
sentenceEncoderRegistry.register(useLiteNodeDescriptor.name, useLiteNodeDescriptor, {
  override: true,
});

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
export {
  loadUseLiteFromDirectory,
  resolveUseLiteDirectory,
  useLiteNodeDescriptor,
} from './use-lite-files.js';
