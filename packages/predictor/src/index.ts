// Re-exported: how every engine's probabilities become labels (one ranking, @graft/trainer's).
export { rankPredictions } from '@graft/trainer';
export type {
  ClassifierInput,
  ImageDataLike,
} from './classifier-input.js';
export {
  type ClassifyOptions,
  ImageClassifier,
  type ImageClassifierOptions,
} from './image-classifier.js';
export { type LoadClassifierOptions, loadClassifier } from './load-classifier.js';
export { type PixelEngine, tfjsPixelEngine } from './pixel-engine.js';
