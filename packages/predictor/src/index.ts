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
export { rankPredictions } from './rank-predictions.js';
