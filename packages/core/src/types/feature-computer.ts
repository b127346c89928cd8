/** A batch of images already normalized for the backbone, as flat float32 pixels. */
export interface PreprocessedBatch {
  /** `[images, height, width, channels]`. */
  shape: readonly [number, number, number, number];
  /**
   * Row-major pixels, the output of `normalizeImages`. Ownership passes to the computer: it may
   * transfer (detach) the buffer, e.g. to a worker thread.
   */
  pixels: Float32Array;
}

/** A batch of decoded images as RGB bytes, before the backbone's preprocessing. */
export interface PixelBatch {
  /** `[images, height, width, 3]`. */
  shape: readonly [number, number, number, number];
  /**
   * Row-major RGB bytes in [0, 255]. Ownership passes to the computer: it may transfer (detach)
   * the buffer, e.g. to a worker thread.
   */
  pixels: Uint8Array;
}

/**
 * Which inference engine computes features: `tfjs` (a TensorFlow.js backend, in this thread or
 * in worker threads), `onnxruntime` (ONNX Runtime on a graph converted from the backbone), or
 * another engine's name.
 */
export interface FeatureEngine {
  /** The engine's name; anything but `tfjs` is mixed into feature cache keys. */
  readonly name: 'tfjs' | 'onnxruntime' | (string & {});
  /** Human-readable detail: backend or execution providers, threads, version. */
  readonly detail: string;
}

/**
 * Computes a frozen backbone's features of preprocessed batches somewhere else than the calling
 * code's backend, e.g. in worker threads that each hold their own copy of the backbone
 * (`createFeatureWorkerPool` in `@graft/trainer/node`) or in ONNX Runtime
 * (`createOnnxFeatureComputer` in `@graft/onnx/node`). `extractFeatures` keeps up to
 * {@link concurrency} batches in flight and still writes the rows in dataset order.
 */
export interface FeatureComputer {
  /** Length of one feature vector; must equal the backbone's `featureDim`. */
  readonly featureDim: number;
  /**
   * The `weightsId` of the backbone it runs, when known: `extractFeatures` refuses a computer
   * whose label differs from the backbone's.
   */
  readonly weightsId?: string;
  /**
   * `backboneCacheIdentity` of the backbone it runs (its weights' content, architecture and
   * preprocessing), when known: `extractFeatures` refuses a computer whose identity differs
   * from the backbone's, since the features it returns are cached under the backbone's.
   */
  readonly cacheIdentity?: string;
  /**
   * The engine that computes. Default (absent): `tfjs`. Features of another engine are cached
   * under other keys, since engines agree only to rounding.
   */
  readonly engine?: FeatureEngine;
  /** How many batches may be in flight at once (e.g. workers × batches per worker). */
  readonly concurrency: number;
  /**
   * Features of `batch`: `images × featureDim` values, row-major, in the batch's order. Rejects
   * when `signal` aborts.
   */
  computeFeatures(
    batch: PreprocessedBatch,
    options?: { signal?: AbortSignal },
  ): Promise<Float32Array>;
  /**
   * Optional: features of RGB bytes, the computer applying the backbone's preprocessing itself
   * with `normalizePixels` (the same values `normalizeImages` gives, so the same features as
   * `computeFeatures` on them). `extractFeatures` then sends clean batches as bytes: a quarter
   * of the float32 data, and no normalization or tensor read-back on the calling thread.
   */
  computePixelFeatures?(
    batch: PixelBatch,
    options?: { signal?: AbortSignal },
  ): Promise<Float32Array>;
}
