// Test helpers for packages and apps built on the trainer (Node only: they read and write files).
export {
  teachableMachineBaseName,
  type WriteTeachableMachineClassifierOptions,
  writeTeachableMachineClassifier,
} from './teachable-machine-classifier.js';
