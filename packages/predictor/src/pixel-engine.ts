import type { Classifier, ClassifierMetadata } from '@graft/trainer';
import * as tf from '@tensorflow/tfjs-core';

/**
 * What an {@link ImageClassifier} runs batches of resized pixels through: the tfjs model
 * ({@link tfjsPixelEngine}) or an ONNX Runtime session (`onnxPixelEngine` of
 * `@graft/predictor/node`). Decoding, resizing and ranking stay in the image classifier, so
 * both engines see the same pixels and answer in the same shape.
 */
export interface PixelEngine {
  /** `tfjs` or `onnx`, for reports (`GET /v1/model`). */
  readonly name: 'tfjs' | 'onnx';
  /** The classifier's metadata: labels, preprocessing, calibration. */
  readonly metadata: ClassifierMetadata;
  /**
   * Probabilities `[count, labels]`, row-major, of `count` images given as one buffer of
   * `[count, H, W, 3]` RGB bytes at the metadata's input size.
   */
  probabilities(pixels: Uint8Array, count: number): Promise<Float32Array>;
  /** Releases the model (an ONNX session also ends its thread). */
  dispose(): Promise<void>;
}

/** The tfjs classifier as a {@link PixelEngine}; the engine owns (disposes) it. */
export function tfjsPixelEngine(classifier: Classifier): PixelEngine {
  return {
    name: 'tfjs',
    metadata: classifier.metadata,
    async probabilities(pixels, count) {
      const [height, width] = classifier.metadata.graft.preprocessing.inputSize;
      const probabilities = tf.tidy(() =>
        classifier.predictProbabilities(tf.tensor4d(pixels, [count, height, width, 3], 'int32')),
      );
      try {
        return (await probabilities.data()) as Float32Array;
      } finally {
        probabilities.dispose();
      }
    },
    async dispose() {
      classifier.dispose();
    },
  };
}
