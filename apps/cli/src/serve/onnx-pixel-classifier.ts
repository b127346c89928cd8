import { InvalidArgumentError, normalizePixels } from '@graft/core';
import { convertToOnnx, onnxSupport } from '@graft/onnx';
import { loadOnnxRuntime, openSessionThread } from '@graft/onnx/node';
import type { ImageClassifier } from '@graft/predictor';
import type { Prediction } from '@graft/trainer';

/** What the prediction server runs batches of pixels through (an ImageClassifier is one). */
export interface PixelClassifier {
  /** Every label of each image, most probable first (a multi-label model's threshold applied). */
  classifyPixels(images: readonly Uint8Array[]): Promise<Prediction[][]>;
}

/** A {@link PixelClassifier} on ONNX Runtime, with the session to release. */
export interface OnnxPixelClassifier extends PixelClassifier {
  /** Releases the session and ends its thread. */
  close(): Promise<void>;
}

/** Options of {@link createOnnxPixelClassifier}. */
export interface OnnxPixelClassifierOptions {
  /** The loaded classifier: its model is converted, its preprocessing and labels applied. */
  classifier: ImageClassifier;
  /** ONNX Runtime's intra-op threads for one batch. */
  threads: number;
}

/**
 * `graft serve --engine onnx`: the classifier's model converted to ONNX in memory and run by
 * onnxruntime-node (an optional dependency) in a worker thread, so the HTTP thread keeps
 * decoding while a batch runs, and a batch uses `threads` cores. Pixels are normalised by
 * `normalizePixels`, the float32 steps tfjs's normalisation takes, and the probabilities become
 * predictions as `Classifier.predict` makes them; the probabilities differ from tfjs's only by
 * float32 rounding in the kernels.
 */
export async function createOnnxPixelClassifier(
  options: OnnxPixelClassifierOptions,
): Promise<OnnxPixelClassifier> {
  const { classifier, threads } = options;
  const model = classifier.classifier.model;
  const support = onnxSupport(model);
  if (!support.supported) {
    throw new InvalidArgumentError({
      argument: '--engine',
      value: 'onnx',
      expected: `needs a classifier the ONNX converter supports; this one is not: ${support.reason} (--engine tfjs serves any classifier)`,
    });
  }
  // Fails with the package name and how to install it when onnxruntime-node is missing.
  await loadOnnxRuntime();
  const session = await openSessionThread(convertToOnnx({ model }), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const preprocessing = classifier.classifier.metadata.graft.preprocessing;
  const [height, width] = preprocessing.inputSize;
  const size = height * width * 3;
  const labels = classifier.labels;
  const threshold = classifier.classifier.threshold;
  return {
    async classifyPixels(images) {
      if (images.length === 0) return [];
      const batch = new Float32Array(images.length * size);
      images.forEach((image, index) => {
        if (image.length !== size) {
          throw new InvalidArgumentError({
            argument: `images[${index}]`,
            value: `${image.length} bytes`,
            expected: `must hold ${height} * ${width} * 3 = ${size} bytes (a pixels() result)`,
          });
        }
        batch.set(normalizePixels(image, preprocessing), index * size);
      });
      const output = await session.run(batch, [images.length, height, width, 3]);
      const values = output.values;
      if (values === undefined) throw new Error(`ONNX model output is ${output.outputType}`);
      const classes = labels.length;
      return images.map((_, row) =>
        Array.from(values.subarray(row * classes, (row + 1) * classes), (probability, index) => ({
          label: labels[index] ?? String(index),
          index,
          probability,
        }))
          .filter((prediction) => threshold === undefined || prediction.probability >= threshold)
          .sort((a, b) => b.probability - a.probability),
      );
    },
    close: () => session.release(),
  };
}
