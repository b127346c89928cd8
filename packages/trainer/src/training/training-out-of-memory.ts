import { OutOfMemoryError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import type { MicroBatchChoice } from './choose-micro-batch-size.js';

/** How backends say they ran out of memory. A bare `Aborted()` or an out-of-bounds trap is how
 * the wasm module fails when one of its own allocations (not a tensor's) finds the heap full. */
const outOfMemoryPattern =
  /out of memory|Aborted\(|memory access out of bounds|Cannot enlarge memory|Array buffer allocation failed|Invalid typed array length/i;

/** What {@link trainingOutOfMemory} puts in the message. */
export interface TrainingOutOfMemoryContext {
  /** Rows per forward/backward pass when memory ran out. */
  microBatchSize: number;
  /** Shape of the step's inputs (`[N, H, W, C]` pixels, or `[N, D]` features). */
  inputShape: readonly number[];
  /** The backbone's name, when fine-tuning. */
  backbone?: string;
  /** How the micro-batch was chosen (its estimate gives the suggestion), when fine-tuning. */
  choice?: MicroBatchChoice;
}

/**
 * Turns a backend's out-of-memory failure during a training step into `OutOfMemoryError` naming
 * the backbone, input size and the micro-batch to use instead; other errors pass through. When
 * the wasm module itself aborted (not the runtime's allocation guard), the message says it cannot
 * be used again in this process.
 */
export function trainingOutOfMemory(error: unknown, context: TrainingOutOfMemoryContext): unknown {
  const clean = OutOfMemoryError.isInstance(error);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (!clean && !outOfMemoryPattern.test(message)) return error;
  const { microBatchSize, inputShape } = context;
  const size = inputShape.length === 4 ? `, ${inputShape[1]}x${inputShape[2]}` : '';
  const backbone = context.backbone === undefined ? '' : ` of ${context.backbone}`;
  const suggested = suggestedMicroBatchSize(microBatchSize, context.choice);
  const change =
    microBatchSize > 1
      ? `Use micro-batches of ${suggested} (microBatchSize, or --micro-batch ${suggested} with graft train); the batch size can stay.`
      : 'Unfreeze fewer layers (a later unfreezeFrom), keep BatchNorm frozen, or use a smaller input size.';
  const aborted = clean
    ? ''
    : ' The wasm module aborted and cannot be used again in this process: start a new one.';
  // A clean error from elsewhere (a training worker, the allocation guard) keeps saying where.
  const where = clean && error.during !== undefined ? `: ${error.during}` : '';
  return new OutOfMemoryError({
    backend: clean ? error.backend : tf.getBackend(),
    during: `a training step${backbone} (micro-batch ${microBatchSize}${size})${where}`,
    advice: `${change}${aborted}`,
    cause: error,
  });
}

/** Half the failed micro-batch, and no more than the estimate says fits. */
function suggestedMicroBatchSize(failed: number, choice: MicroBatchChoice | undefined): number {
  const half = Math.max(1, Math.floor(failed / 2));
  return Math.min(half, choice?.largestFitting ?? half);
}
