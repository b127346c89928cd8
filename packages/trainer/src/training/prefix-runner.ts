import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * Runs a frozen sub-network outside tfjs, e.g. on ONNX Runtime (`createOnnxModelRunner` of
 * `@graft/onnx/node`): the frozen-prefix cache's one pass over the images, which on
 * single-threaded wasm took most of a staged fine-tuning run.
 */
export interface PrefixRunner {
  /** What runs it, for the cache's report. */
  readonly detail: string;
  /** The prefix's output for normalised NHWC `pixels` of `shape`, row-major; the caller owns it. */
  run(pixels: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** Releases it; called once the cache's passes are done. */
  close(): Promise<void>;
}

/**
 * Makes a {@link PrefixRunner} for the frozen prefix the cache cuts (its inference form,
 * BatchNorm folded where the backbone offers one). A rejection is not fatal: the cache says why
 * in its report and computes the activations in tfjs.
 */
export type PrefixRunnerFactory = (prefix: tfl.LayersModel) => Promise<PrefixRunner>;
