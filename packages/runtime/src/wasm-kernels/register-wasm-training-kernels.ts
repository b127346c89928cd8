import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropFilter } from './depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-input.js';

/** The kernels the wasm backend of tfjs 4.22 lacks for training convnets, and ours for them. */
const trainingKernels: tf.KernelConfig[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      return conv2dBackpropFilter({
        x,
        dy,
        attrs: attrs as unknown as tf.Conv2DBackpropFilterAttrs,
      });
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      return depthwiseConv2dBackpropInput({
        dy,
        filter,
        attrs: attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs,
      });
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      return depthwiseConv2dBackpropFilter({
        x,
        dy,
        attrs: attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs,
      });
    },
  },
];

/** The names of the kernels {@link registerWasmTrainingKernels} provides. */
export const wasmTrainingKernelNames: readonly string[] = trainingKernels.map(
  (kernel) => kernel.kernelName,
);

/**
 * Registers, for the `wasm` backend, the gradient kernels tfjs 4.22's wasm backend lacks
 * (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`,
 * `DepthwiseConv2dNativeBackpropFilter`), composed from kernels it has. Idempotent, and a
 * kernel the backend already has (ours, or a native one in a later tfjs) is left alone.
 * Does not import or initialise the wasm backend. Returns the names it registered now.
 *
 * They are kernels, not gradient overrides, because tfjs-layers' conv layers run fused conv
 * ops whose gradients call these kernels directly.
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = [];
  for (const kernel of trainingKernels) {
    if (tf.getKernel(kernel.kernelName, kernel.backendName) !== undefined) continue;
    tf.registerKernel(kernel);
    registered.push(kernel.kernelName);
  }
  return registered;
}
