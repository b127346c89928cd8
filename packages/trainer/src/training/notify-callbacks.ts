import type { Callback } from '@graft/core';
import type { TrainerCallback } from '../callbacks/trainer-context.js';

/** Tells every callback how featurising goes. */
export function notifyExtraction(
  callbacks: readonly (Callback | TrainerCallback)[],
  progress: { pass: number | 'validation'; done: number; total: number; cached?: number },
): void {
  // Progress is informational: not awaited, so a slow display never holds the backbone up.
  for (const callback of callbacks)
    void (callback as TrainerCallback).onExtractionProgress?.(progress);
}

/** Tells every callback, in order and awaited, a one-line message about how training runs. */
export async function notifyNotice(
  callbacks: readonly (Callback | TrainerCallback)[],
  message: string,
): Promise<void> {
  for (const callback of callbacks) await (callback as TrainerCallback).onNotice?.(message);
}
