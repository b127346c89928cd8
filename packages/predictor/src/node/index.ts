export type {
  ClassifierInput,
  ClassifyOptions,
  ImageClassifier,
  ImageDataLike,
  PixelEngine,
} from '../index.js';
export { classifierEngines, classifierFormat } from './classifier-format.js';
export { type LoadNodeClassifierOptions, loadClassifier } from './load-classifier.js';
export { type OnnxPixelEngineOptions, onnxPixelEngine } from './onnx-pixel-engine.js';
