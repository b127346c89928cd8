import type { JsonValue } from '@graft/core';
import type { GradientComputer } from '../training/gradient-computer.js';

/** Options of `createTrainingWorkerPool`. */
export interface TrainingWorkerPoolOptions {
  /**
   * The app's module (URL or absolute path) that builds the backbone in each worker — the same
   * module as `createFeatureWorkerPool`'s: it exports `createFeatureBackbone(data)` (or a default
   * function) returning the main thread's backbone architecture, after initialising the tfjs
   * backend (on wasm, `initBackend` from `@graft/runtime`, which registers the training kernels).
   * Its weights need not match: the main thread's are copied in before every step.
   */
  workerModule: URL | string;
  /** JSON passed to the module's function (backbone name, options, backend…). */
  workerData?: JsonValue;
  /**
   * Worker threads, each with a replica of backbone and head and (on wasm) its own heap: memory
   * grows by one model plus one micro-batch's activations per worker. Default: the number of CPUs.
   */
  workers?: number;
  /** Cancels starting the workers (they are terminated). */
  signal?: AbortSignal;
}

/** Worker threads computing fine-tuning gradients; a {@link GradientComputer} for `train`. */
export interface TrainingWorkerPool extends GradientComputer {
  /** Number of worker threads. */
  readonly workers: number;
  /** Live tensors in each worker after its last answer (for leak checks). */
  readonly workerTensors: readonly number[];
  /**
   * Wall-clock seconds of the last step's phases: `prepare` (master weights into the shared
   * buffer, inputs read) and `combine` (gradients summed, BatchNorm statistics, tensors made) run
   * in this thread, serially; `compute` is the workers' parallel part.
   */
  readonly lastStepSeconds: { prepare: number; compute: number; combine: number } | undefined;
  /** Terminates the workers (freeing their models and heaps). Idempotent. */
  close(): Promise<void>;
}
