import * as tf from '@tensorflow/tfjs-core';
import { batchNormGradientKernelName } from '../fused-gradients/batch-norm-gradient.js';
import { clipByValueGradientKernelName } from '../fused-gradients/clip-by-value-gradient.js';
import { meanGradientKernelName } from '../fused-gradients/mean-gradient.js';

/**
 * Runs `action` with the fused gradient kernels of `backendName` unregistered, so the overridden
 * gradients fall back to tfjs-core's compositions: the reference the fused kernels are checked
 * against. Re-registers them afterwards, even when `action` throws.
 */
export async function withOriginalGradients<T>(
  backendName: string,
  action: () => T | Promise<T>,
): Promise<T> {
  const removed: tf.KernelConfig[] = [];
  for (const name of [
    clipByValueGradientKernelName,
    batchNormGradientKernelName,
    meanGradientKernelName,
  ]) {
    const kernel = tf.getKernel(name, backendName);
    if (kernel === undefined) continue;
    tf.unregisterKernel(name, backendName);
    removed.push(kernel);
  }
  try {
    return await action();
  } finally {
    for (const kernel of removed) tf.registerKernel(kernel);
  }
}
