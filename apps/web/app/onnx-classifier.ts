import { normalizePixels } from '@graft/core';
import {
  type ClassifierMetadata,
  type Prediction,
  type PredictOptions,
  readClassifierMetadata,
} from '@graft/trainer';
import type * as tf from '@tensorflow/tfjs-core';
import type { InferenceSession } from 'onnxruntime-web';

/** The execution provider a session runs on. */
export type OnnxExecutionProvider = 'webgpu' | 'wasm';

/**
 * A classifier exported by `graft export --format onnx`, run by onnxruntime-web. Same surface as
 * `Classifier` where the playground uses it (`labels`, `metadata`, `predict`, `dispose`); the
 * model takes normalised pixels, so `predict` applies `normalizePixels` (the same float32
 * multiply-add `normalizeImages` does for the tfjs model) to pixels already at the input size.
 */
export class OnnxClassifier {
  /** The exported metadata.json. */
  readonly metadata: ClassifierMetadata;
  /** Where the session runs. */
  readonly executionProvider: OnnxExecutionProvider;
  readonly #session: InferenceSession;
  readonly #tensor: (data: Float32Array, shape: number[]) => unknown;

  constructor(options: {
    /** The loaded session (released by {@link OnnxClassifier.dispose}). */
    session: InferenceSession;
    /** The checked metadata. */
    metadata: ClassifierMetadata;
    /** Where the session runs. */
    executionProvider: OnnxExecutionProvider;
    /** onnxruntime-web's `Tensor` constructor for float32 data. */
    tensor: (data: Float32Array, shape: number[]) => unknown;
  }) {
    this.#session = options.session;
    this.metadata = options.metadata;
    this.executionProvider = options.executionProvider;
    this.#tensor = options.tensor;
  }

  /** Class names in output order. */
  get labels(): readonly string[] {
    return this.metadata.labels;
  }

  /**
   * Probabilities `[N][C]` for `[N, H, W, 3]` or `[H, W, 3]` pixels in [0, 255] already at the
   * input size (the playground's `imageFileToTensor` resizes). Does not dispose `images`.
   */
  async predictProbabilities(images: tf.Tensor3D | tf.Tensor4D): Promise<number[][]> {
    const preprocessing = this.metadata.graft.preprocessing;
    const [height, width] = preprocessing.inputSize;
    const shape = images.rank === 3 ? [1, ...images.shape] : images.shape;
    if (shape[1] !== height || shape[2] !== width || shape[3] !== 3) {
      throw new Error(
        `images must be [N, ${height}, ${width}, 3] pixels at the model's input size; received [${shape.join(', ')}]`,
      );
    }
    const pixels = Uint8Array.from(await images.data(), (value) => Math.round(value));
    return this.#run(normalizePixels(pixels, preprocessing), shape as number[]);
  }

  /**
   * Probabilities `[N][C]` for a text classifier's export: `[N, 1, W, 3]` embeddings fed as
   * floats (rounding them to pixels would zero them). Its preprocessing is the identity
   * (range [0, 255], mean 0, std 1), so this is what `normalizeImages` gives the tfjs model.
   */
  async predictEmbeddingImages(images: tf.Tensor4D): Promise<number[][]> {
    return this.#run((await images.data()) as Float32Array, images.shape);
  }

  async #run(inputValues: Float32Array, shape: number[]): Promise<number[][]> {
    const input = this.#tensor(inputValues, shape);
    const inputName = this.#session.inputNames[0] as string;
    const outputName = this.#session.outputNames[0] as string;
    const outputs = await this.#session.run({
      [inputName]: input as InferenceSession.FeedsType[string],
    });
    const output = outputs[outputName];
    if (output === undefined) throw new Error(`the ONNX model has no output ${outputName}`);
    const values = (await output.getData()) as Float32Array;
    output.dispose();
    const classes = this.labels.length;
    return Array.from({ length: shape[0] as number }, (_, row) =>
      Array.from(values.subarray(row * classes, (row + 1) * classes)),
    );
  }

  /** Labels with probabilities for each image, most probable first. */
  async predict(
    images: tf.Tensor3D | tf.Tensor4D,
    options: PredictOptions = {},
  ): Promise<Prediction[][]> {
    const topK = options.topK ?? this.labels.length;
    return (await this.predictProbabilities(images)).map((row) =>
      row
        .map((probability, index) => ({
          label: this.labels[index] ?? String(index),
          index,
          probability,
        }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, topK),
    );
  }

  /** Releases the session. */
  dispose(): void {
    void this.#session.release();
  }
}

/**
 * Loads `model.onnx` with its `metadata.json` into onnxruntime-web: WebGPU when the browser has
 * `navigator.gpu` and an adapter, else wasm (`?onnx=wasm` in the page URL forces wasm). The
 * runtime is a lazy chunk; its wasm binary is an asset of this app's build (Vite emits the file
 * onnxruntime-web names with `new URL(…, import.meta.url)`), never fetched from a CDN.
 */
export async function loadOnnxClassifier(options: {
  /** The bytes of model.onnx. */
  model: Uint8Array;
  /** The parsed metadata.json. */
  metadata: unknown;
  /** Where the metadata came from, named in errors. */
  metadataFile?: string;
}): Promise<OnnxClassifier> {
  const metadata = readClassifierMetadata(
    options.metadata,
    options.metadataFile ?? 'metadata.json',
  );
  const ort = await import('onnxruntime-web');
  // Threads need SharedArrayBuffer (a cross-origin-isolated page); one thread otherwise.
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated
    ? Math.min(4, navigator.hardwareConcurrency || 1)
    : 1;
  const forceWasm = new URLSearchParams(location.search).get('onnx') === 'wasm';
  const candidates: OnnxExecutionProvider[] =
    'gpu' in navigator && navigator.gpu !== undefined && !forceWasm ? ['webgpu', 'wasm'] : ['wasm'];
  const failures: string[] = [];
  for (const executionProvider of candidates) {
    try {
      const session = await ort.InferenceSession.create(options.model, {
        executionProviders: [executionProvider],
        graphOptimizationLevel: 'all',
      });
      return new OnnxClassifier({
        session,
        metadata,
        executionProvider,
        tensor: (data, shape) => new ort.Tensor('float32', data, shape),
      });
    } catch (error) {
      failures.push(`${executionProvider}: ${error instanceof Error ? error.message : error}`);
    }
  }
  throw new Error(`onnxruntime-web could not load the model (${failures.join('; ')})`);
}
