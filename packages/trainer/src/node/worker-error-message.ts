import * as tf from '@tensorflow/tfjs-core';

/** How wasm/native backends report running out of memory (see @graft/runtime's full list). */
const outOfMemoryPattern =
  /Aborted\(OOM\)|Cannot enlarge memory|out of memory|OOM when allocating|Array buffer allocation failed|Invalid typed array length|failed to grow memory|WebAssembly\.Memory/i;

/** An error thrown in a worker thread, as a message the main thread turns back into an Error. */
export interface WorkerErrorMessage {
  type: 'error';
  /** The task that failed; absent when the worker could not start. */
  id?: number;
  name: string;
  message: string;
  stack?: string;
  /** Whether the backend ran out of memory (the main thread raises `OutOfMemoryError`). */
  outOfMemory: boolean;
  /** The worker's tfjs backend, when one was set. */
  backend?: string;
}

/** `error` as a {@link WorkerErrorMessage} (errors do not survive `postMessage` with their class). */
export function workerErrorMessage(error: unknown, id?: number): WorkerErrorMessage {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  let backend: string | undefined;
  try {
    backend = tf.getBackend();
  } catch {
    backend = undefined;
  }
  return {
    type: 'error',
    ...(id === undefined ? {} : { id }),
    name: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
    ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
    outOfMemory: outOfMemoryPattern.test(text),
    ...(backend ? { backend } : {}),
  };
}
