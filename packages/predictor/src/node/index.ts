export type {
  ClassifierInput,
  ClassifyOptions,
  ImageClassifier,
  ImageDataLike,
} from '../index.js';
export { type LoadNodeClassifierOptions, loadClassifier } from './load-classifier.js';
