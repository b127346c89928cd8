import { OutOfMemoryError } from '@graft/core';
import type { FromWorkerMessage } from './feature-worker-protocol.js';

/** The worker's error as an Error naming the worker; running out of memory → OutOfMemoryError. */
export function featureWorkerError(
  index: number,
  message: Extract<FromWorkerMessage, { type: 'error' }>,
  /** Shape of the batch it was working on; `undefined` while building its backbone. */
  batchShape: readonly number[] | undefined,
): Error {
  const cause = Object.assign(new Error(message.message), {
    name: message.name,
    ...(message.stack ? { stack: message.stack } : {}),
  });
  const what =
    batchShape === undefined
      ? 'building its backbone'
      : `a batch of ${batchShape[0]} images at ${batchShape[1]}x${batchShape[2]}`;
  if (message.outOfMemory) {
    return new OutOfMemoryError({
      backend: message.backend ?? 'unknown',
      during: `feature extraction in worker ${index} (${what})`,
      advice:
        'Each worker holds its own model and heap: use fewer workers, or a smaller extraction batch size.',
      cause,
    });
  }
  return new Error(`Feature worker ${index} failed during ${what}: ${message.message}`, { cause });
}
