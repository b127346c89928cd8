import { OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { isOutOfMemoryError } from './is-out-of-memory-error.js';

/** What {@link withOutOfMemoryGuard} says when memory runs out. */
export interface OutOfMemoryContext {
  /** What was running, e.g. "a training step at batch 16, 224x224". */
  during: string;
  /** The backend, for the message. Default: the active one (`tf.getBackend()`). */
  backend?: string;
  /** What the user can change. Default: advice to use smaller micro-batches. */
  advice?: string;
}

const defaultAdvice =
  'Use smaller micro-batches (gradient accumulation keeps the effective batch), a smaller ' +
  'input size, or fewer trainable layers. The wasm heap is capped at 4 GiB; after an abort the ' +
  'wasm backend may be unusable until the process restarts.';

/**
 * Runs `action` (sync or async) and turns an out-of-memory failure of the backend (see
 * `isOutOfMemoryError`) into core's `OutOfMemoryError` that says what was running and how to
 * fit, with the original error as `cause`. Other errors pass through unchanged.
 */
export function withOutOfMemoryGuard<T>(
  action: () => Promise<T>,
  context: OutOfMemoryContext,
): Promise<T>;
export function withOutOfMemoryGuard<T>(action: () => T, context: OutOfMemoryContext): T;
export function withOutOfMemoryGuard<T>(
  action: () => T | Promise<T>,
  context: OutOfMemoryContext,
): T | Promise<T> {
  let result: T | Promise<T>;
  try {
    result = action();
  } catch (error) {
    throw translate(error, context);
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw translate(error, context);
    });
  }
  return result;
}

function translate(error: unknown, context: OutOfMemoryContext): unknown {
  if (!isOutOfMemoryError(error)) return error;
  let backend = context.backend;
  if (backend === undefined) {
    try {
      backend = tf.getBackend() ?? 'active';
    } catch {
      backend = 'active';
    }
  }
  return new OutOfMemoryError({
    backend,
    during: context.during,
    advice: context.advice ?? defaultAdvice,
    cause: error,
  });
}
