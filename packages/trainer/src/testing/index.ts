// Test helpers for packages and apps built on the trainer: in-memory fixtures (browser-safe) and
// a Teachable Machine classifier writer (Node only: it writes files).
export {
  ColourDataset,
  type ColourDatasetOptions,
  type DenseHeadOptions,
  denseHead,
} from './fixtures.js';
export {
  teachableMachineBaseName,
  type WriteTeachableMachineClassifierOptions,
  writeTeachableMachineClassifier,
} from './teachable-machine-classifier.js';
