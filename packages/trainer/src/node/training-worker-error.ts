import { OutOfMemoryError } from '@graft/core';
import type { WorkerErrorMessage } from './worker-error-message.js';

/** The worker's error as an Error naming the worker; running out of memory → OutOfMemoryError. */
export function trainingWorkerError(
  index: number,
  message: WorkerErrorMessage,
  what: string | undefined,
): Error {
  const cause = Object.assign(new Error(message.message), {
    name: message.name,
    ...(message.stack ? { stack: message.stack } : {}),
  });
  const during = what ?? 'building its backbone';
  if (message.outOfMemory) {
    return new OutOfMemoryError({
      backend: message.backend ?? 'unknown',
      during: `fine-tuning in training worker ${index} (${during})`,
      advice:
        'Each worker holds its own replica and heap: lower microBatchSize, or use fewer workers (--training-workers).',
      cause,
    });
  }
  return new Error(`Training worker ${index} failed during ${during}: ${message.message}`, {
    cause,
  });
}
