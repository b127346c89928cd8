import { OutOfMemoryError } from '@graft/core';

/** What ONNX Runtime's CPU allocator (its arena, or `new`) says when an allocation fails. */
const allocationFailure = /failed to allocate memory|bad_alloc|bad allocation|out of memory/i;

/**
 * `error` as an {@link OutOfMemoryError} naming the micro-batch to use instead when it is an
 * allocation failure of a fine-tuning pass of `shape` (NHWC), else `error` unchanged.
 */
export function toTrainingOutOfMemoryError(error: unknown, shape: readonly number[]): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!allocationFailure.test(message)) return error;
  const [rows = 1, height, width] = shape;
  const smaller = Math.max(1, Math.floor(rows / 2));
  return new OutOfMemoryError({
    backend: 'onnxruntime',
    during: `a fine-tuning pass of ${rows} image${rows === 1 ? '' : 's'} at ${height}x${width}`,
    advice:
      rows > 1
        ? `Use a smaller micro-batch (--micro-batch ${smaller}, or microBatchSize: ${smaller}), fewer workers, or unfreeze fewer layers.`
        : 'Unfreeze fewer layers, use a smaller input size, or free memory on this machine.',
    cause: error,
  });
}
