// Node-only helpers (file IO). Filled in by the weight loaders.
export { readSafetensorsFile } from '../formats/safetensors-node.js';
