import { GraftError } from './graft-error.js';

const marker = 'graft.error.OutOfMemoryError';
const symbol = Symbol.for(marker);

/**
 * A backend ran out of memory (the wasm heap is capped at 4 GiB). The message says what was
 * running and how to fit: smaller micro-batches, smaller input, fewer trainable layers.
 */
export class OutOfMemoryError extends GraftError {
  protected readonly [symbol] = true;
  /** The backend that ran out, e.g. `wasm`. */
  readonly backend: string;
  /** What was running when memory ran out (the constructor's `during`). */
  readonly during: string;

  constructor(options: {
    /** The backend that ran out, e.g. `wasm`. */
    backend: string;
    /** What was running, e.g. "a training step at batch 16, 224x224". */
    during: string;
    /** What the user can change. */
    advice: string;
    /** The underlying error. */
    cause?: unknown;
  }) {
    super({
      code: 'OUT_OF_MEMORY',
      message: `The ${options.backend} backend ran out of memory during ${options.during}. ${options.advice}`,
      cause: options.cause,
    });
    this.name = 'OutOfMemoryError';
    this.backend = options.backend;
    this.during = options.during;
  }

  static override isInstance(error: unknown): error is OutOfMemoryError {
    return GraftError.hasMarker(error, marker);
  }
}
