import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `action` once to warm up (kernels, caches, lazily created variables), then `repeats`
 * more times, and throws if the live tensor count grew. Returns what the last run returned, so
 * a test can still check its result (dispose tensors it returns before the next call).
 *
 * Works with any test runner: it throws a plain `Error` on failure.
 */
export async function expectNoTensorLeaks<T>(
  action: () => T | Promise<T>,
  options: {
    /** Measured runs after the warm-up. Default 2. */
    repeats?: number;
    /** Disposes what `action` returns (so returned tensors are not counted as leaks). */
    dispose?: (result: T) => void;
  } = {},
): Promise<T> {
  const repeats = options.repeats ?? 2;
  const release = options.dispose ?? disposeIfTensors;
  release(await action());
  const before = tf.memory().numTensors;
  let result: T | undefined;
  for (let index = 0; index < repeats; index++) {
    if (index > 0 && result !== undefined) release(result);
    result = await action();
  }
  if (result !== undefined) release(result);
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(
      `Tensor leak: ${after - before} tensor(s) left after ${repeats} run(s) ` +
        `(numTensors ${before} after warm-up, ${after} at the end).`,
    );
  }
  return result as T;
}

function disposeIfTensors(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (Array.isArray(value)) for (const item of value) disposeIfTensors(item);
}
