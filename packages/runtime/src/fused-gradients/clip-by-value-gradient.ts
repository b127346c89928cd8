import * as tf from '@tensorflow/tfjs-core';
import { runDirectKernel } from '../wasm-kernels/direct-kernel.js';

/** Kernel name of the fused `ClipByValue` gradient (ReLU6 in tfjs-layers is a clipByValue). */
export const clipByValueGradientKernelName = 'GraftClipByValueGrad';

/** Attributes of {@link clipByValueGradientKernelName}: those of the forward `ClipByValue`. */
export interface ClipByValueGradientAttrs {
  /** The forward lower bound. */
  clipValueMin: number;
  /** The forward upper bound. */
  clipValueMax: number;
}

/**
 * `dx = dy` where `min ≤ x ≤ max` (both ends inclusive, as tfjs-core's gradient), else 0, in one
 * pass: tfjs-core's gradient is four kernels (`GreaterEqual`, `LessEqual`, `LogicalAnd`,
 * `Select`) plus a `zerosLike`.
 */
export function clipByValueGradientLoop(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  attrs: ClipByValueGradientAttrs,
): void {
  const { clipValueMin, clipValueMax } = attrs;
  const size = x.length;
  for (let index = 0; index < size; index++) {
    const value = x[index] as number;
    dx[index] = value >= clipValueMin && value <= clipValueMax ? (dy[index] as number) : 0;
  }
}

/** The fused gradient kernel for one backend (wasm and cpu share the loop). */
export function clipByValueGradientKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: clipByValueGradientKernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const [dx] = runDirectKernel({
        kernelName: clipByValueGradientKernelName,
        backend,
        inputs: [x, dy],
        outputShapes: [x.shape],
        compute: ([xValues, dyValues], [dxValues]) =>
          clipByValueGradientLoop(
            xValues as Float32Array,
            dyValues as Float32Array,
            dxValues as Float32Array,
            attrs as unknown as ClipByValueGradientAttrs,
          ),
      });
      return dx as tf.TensorInfo;
    },
  };
}

/**
 * `ClipByValue`'s gradient: the fused kernel when the active backend has one, else (webgl,
 * webgpu, …) tfjs-core's own composition.
 */
export function clipByValueGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.ClipByValue,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const gradient = dy as tf.Tensor;
      if (
        tf.getKernel(clipByValueGradientKernelName, tf.getBackend()) === undefined ||
        x.dtype !== 'float32' ||
        gradient.dtype !== 'float32'
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      return {
        x: () =>
          tf
            .engine()
            .runKernel(clipByValueGradientKernelName, { x, dy: gradient }, attrs) as tf.Tensor,
      };
    },
  };
}
