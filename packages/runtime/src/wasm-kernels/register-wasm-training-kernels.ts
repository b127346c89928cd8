import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-input.js';
import { directDepthwiseBackpropFilter } from './direct-depthwise-backprop-filter.js';
import { heapSlice, sharedIdentity } from './heap-slice.js';
import { leadingAxesReduction } from './leading-axes-reduction.js';

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
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      return directDepthwiseBackpropFilter({
        x,
        dy,
        attrs: attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs,
        backend,
      });
    },
  },
];

/** The names of the kernels {@link registerWasmTrainingKernels} provides or replaces. */
export const wasmTrainingKernelNames: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.Identity,
  tf.Slice,
  tf.Sum,
  tf.Mean,
  tf.Tile,
];

const ours = Symbol.for('graft.runtime.wasmKernel');

/**
 * Native wasm kernels that training calls often and that are scalar C++ loops in tfjs 4.22,
 * replaced by compositions of XNNPACK-backed ops; each falls back to the original kernel for
 * cases it does not cover.
 */
const acceleratedKernels: Array<{
  kernelName: string;
  kernelFunc: (
    args: Parameters<tf.KernelFunc>[0],
    original: tf.KernelFunc,
  ) => ReturnType<tf.KernelFunc>;
}> = [
  {
    kernelName: tf.Conv2DBackpropInput,
    kernelFunc: ({ inputs, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      return conv2dBackpropInput({
        dy,
        filter,
        attrs: attrs as unknown as tf.Conv2DBackpropInputAttrs,
      });
    },
  },
  {
    kernelName: tf.Identity,
    kernelFunc: (args, original) => {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype === 'string' ? original(args) : sharedIdentity(x, args.backend);
    },
  },
  {
    kernelName: tf.Slice,
    kernelFunc: (args, original) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original(args);
      const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
      return heapSlice({ x, begin, size, backend: args.backend });
    },
  },
  ...[tf.Sum, tf.Mean].map((kernelName) => ({
    kernelName,
    kernelFunc: (args: Parameters<tf.KernelFunc>[0], original: tf.KernelFunc) => {
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      return (
        leadingAxesReduction({
          x: args.inputs.x as tf.TensorInfo,
          axis,
          keepDims,
          mean: kernelName === tf.Mean,
          backend: args.backend,
        }) ?? original(args)
      );
    },
  })),
  {
    // BatchNormalization's gradient tiles [1, 1, 1, C] to the activation shape; a broadcasting
    // multiply by ones gives the same values several times faster.
    kernelName: tf.Tile,
    kernelFunc: (args, original) => {
      const x = args.inputs.x as tf.Tensor;
      const reps = (args.attrs as unknown as tf.TileAttrs).reps;
      const broadcast = reps.every((rep, axis) => rep === 1 || x.shape[axis] === 1);
      if (x.dtype !== 'float32' || !broadcast) return original(args);
      return tf.tidy(() =>
        tf.mul(x, tf.ones(x.shape.map((size, axis) => size * (reps[axis] ?? 1)))),
      );
    },
  },
];

/**
 * Registers, for the `wasm` backend, the gradient kernels tfjs 4.22's wasm backend lacks
 * (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`,
 * `DepthwiseConv2dNativeBackpropFilter`), composed from kernels it has, and replaces two slow
 * native ones used by training (`Conv2DBackpropInput`, broadcast-shaped `Tile`) with faster
 * compositions. Idempotent; a missing kernel the backend already has (a native one in a later
 * tfjs) is left alone. Call it after importing `@tensorflow/tfjs-backend-wasm` (initBackend
 * does): the replacements need the native kernels to fall back on. Does not initialise the
 * backend. Returns the names it registered now.
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
  for (const accelerated of acceleratedKernels) {
    const original = tf.getKernel(accelerated.kernelName, 'wasm');
    if (original === undefined || (original.kernelFunc as { [ours]?: true })[ours] === true)
      continue;
    const originalFunc = original.kernelFunc;
    const kernelFunc = Object.assign(
      (args: Parameters<tf.KernelFunc>[0]) => accelerated.kernelFunc(args, originalFunc),
      { [ours]: true as const },
    );
    tf.unregisterKernel(accelerated.kernelName, 'wasm');
    // Keep the native setup (it binds the C++ function the fallback calls).
    tf.registerKernel({ ...original, kernelFunc });
    registered.push(accelerated.kernelName);
  }
  return registered;
}
