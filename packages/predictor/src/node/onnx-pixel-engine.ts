import { FileFormatError, normalizePixels } from '@graft/core';
import { inferenceSessionOptions, loadOnnxRuntime, openSessionThread } from '@graft/onnx/node';
import type { ClassifierMetadata } from '@graft/trainer';
import type { PixelEngine } from '../pixel-engine.js';

/** Options of {@link onnxPixelEngine}. */
export interface OnnxPixelEngineOptions {
  /**
   * `model.onnx` bytes: `[N, H, W, 3]` normalised float32 pixels → `[N, labels]` probabilities,
   * as `graft export --format onnx` writes it (float32 or int8, any node types inside).
   */
  model: Uint8Array;
  /** The classifier's metadata (labels, preprocessing) the model was exported with. */
  metadata: ClassifierMetadata;
  /** ONNX Runtime's intra-op threads for one batch. Default 1. */
  threads?: number;
  /**
   * Whether ONNX Runtime's idle intra-op threads spin waiting for work (its default) instead
   * of sleeping. Default false: a server decodes the next images on the same cores.
   */
  spinning?: boolean;
  /** Where the model came from, named in errors. Default `model.onnx`. */
  file?: string;
}

/**
 * A {@link PixelEngine} on onnxruntime-node (an optional dependency, imported here; a clear
 * error names it when missing), in a worker thread of its own so the calling thread keeps
 * decoding while a batch runs. Pixels are normalised by `normalizePixels` of `@graft/core`, the
 * float32 steps tfjs's normalisation takes, so answers equal the tfjs model's up to kernel
 * rounding. Calibration (temperature) is inside the exported graph.
 */
export async function onnxPixelEngine(options: OnnxPixelEngineOptions): Promise<PixelEngine> {
  const { metadata } = options;
  const file = options.file ?? 'model.onnx';
  // Fails with the package name and how to install it when onnxruntime-node is missing.
  await loadOnnxRuntime();
  const session = await openSessionThread(
    options.model,
    inferenceSessionOptions({
      intraOpNumThreads: options.threads ?? 1,
      allowSpinning: options.spinning === true,
    }),
  );
  const preprocessing = metadata.graft.preprocessing;
  const [height, width] = preprocessing.inputSize;
  const classes = metadata.labels.length;
  return {
    name: 'onnx',
    metadata,
    async probabilities(pixels, count) {
      const output = await session.run(normalizePixels(pixels, preprocessing), [
        count,
        height,
        width,
        3,
      ]);
      if (output.values === undefined || output.values.length !== count * classes) {
        throw new FileFormatError({
          file,
          problem: `answers ${output.outputType} of shape [${output.dims.join(', ')}] for ${count} image(s); the metadata beside it lists ${classes} labels, so a float32 [${count}, ${classes}] output was expected`,
        });
      }
      return output.values;
    },
    dispose: () => session.release(),
  };
}
