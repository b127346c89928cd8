import type { InferenceSession } from 'onnxruntime-node';

/** What {@link inferenceSessionOptions} varies. */
export interface InferenceSessionSettings {
  /** Threads of one inference (ONNX Runtime's intra-op pool). */
  intraOpNumThreads: number;
  /** Whether idle intra-op threads spin (ONNX Runtime's default) instead of sleeping. */
  allowSpinning: boolean;
  /** Execution providers, in order of preference. Default `['cpu']`. */
  executionProviders?: InferenceSession.ExecutionProviderConfig[];
}

/**
 * The session options every Graft inference session uses: one inference at a time (sequential,
 * one inter-op thread, the parallelism is the intra-op pool's), all graph optimizations (so
 * BatchNorm folds into the convolutions), and ONNX Runtime's spinning turned off unless asked
 * for (spinning threads take a core from whatever else the process runs).
 */
export function inferenceSessionOptions(
  settings: InferenceSessionSettings,
): InferenceSession.SessionOptions {
  return {
    executionProviders: settings.executionProviders ?? ['cpu'],
    intraOpNumThreads: settings.intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    ...(settings.allowSpinning
      ? {}
      : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  };
}
