import * as tf from '@tensorflow/tfjs-core';
import {
  batchNormGradient,
  batchNormGradientKernel,
  batchNormGradientKernelName,
} from './batch-norm-gradient.js';
import {
  clipByValueGradient,
  clipByValueGradientKernel,
  clipByValueGradientKernelName,
} from './clip-by-value-gradient.js';
import { meanGradient, meanGradientKernel, meanGradientKernelName } from './mean-gradient.js';

/** Backends whose tensor memory the fused kernels read directly. */
const backendNames = ['wasm', 'cpu'];

const ours = Symbol.for('graft.runtime.fusedGradient');

const gradients: Array<{
  kernelName: string;
  fusedKernelName: string;
  kernel: (backendName: string) => tf.KernelConfig;
  gradient: (original: tf.GradConfig) => tf.GradConfig;
}> = [
  {
    kernelName: tf.ClipByValue,
    fusedKernelName: clipByValueGradientKernelName,
    kernel: clipByValueGradientKernel,
    gradient: clipByValueGradient,
  },
  {
    kernelName: tf.Mean,
    fusedKernelName: meanGradientKernelName,
    kernel: meanGradientKernel,
    gradient: meanGradient,
  },
  {
    kernelName: tf.FusedBatchNorm,
    fusedKernelName: batchNormGradientKernelName,
    kernel: batchNormGradientKernel,
    gradient: batchNormGradient,
  },
];

/**
 * Replaces the gradients of `ClipByValue` (tfjs-layers' ReLU with `maxValue`, e.g. ReLU6),
 * `FusedBatchNorm` (BatchNormalization, training and inference mode) and `Mean` over the
 * leading axes (the batch moments of training-mode BatchNormalization) with ones that call a
 * single fused kernel, registered here for the wasm and cpu backends. On any other backend
 * (webgl, webgpu) or for shapes the kernels do not cover they run tfjs-core's original
 * gradient, so registering is safe everywhere. Gradients are global in tfjs, so this speeds up
 * any model, Graft's backbones and users' own tfjs-layers models alike. Call it after tfjs-core's
 * gradients are registered (importing `@tensorflow/tfjs-layers` or `@tensorflow/tfjs` does
 * that; initBackend runs after the imports): a kernel without a gradient yet is skipped, since
 * tfjs-core's later registration would replace ours. Idempotent; returns the kernel names whose
 * gradient it replaced now.
 */
export function registerFusedGradients(): string[] {
  const replaced: string[] = [];
  for (const { kernelName, fusedKernelName, kernel, gradient } of gradients) {
    for (const backendName of backendNames) {
      if (tf.getKernel(fusedKernelName, backendName) === undefined) {
        tf.registerKernel(kernel(backendName));
      }
    }
    const original = tf.getGradient(kernelName);
    if (original === undefined || (original as { [ours]?: true })[ours] === true) continue;
    tf.registerGradient(Object.assign(gradient(original), { [ours]: true as const }));
    replaced.push(kernelName);
  }
  return replaced;
}
