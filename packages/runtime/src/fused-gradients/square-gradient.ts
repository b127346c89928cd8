import * as tf from '@tensorflow/tfjs-core';
import { runDirectKernel } from '../wasm-kernels/direct-kernel.js';

/** Kernel name of the fused `Square` gradient. */
export const squareGradientKernelName = 'GraftSquareGrad';

/** `dx = 2·x·dy` in one pass (tfjs-core's: two multiplies and a cast, three kernels). */
export function squareGradientKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: squareGradientKernelName,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const [dx] = runDirectKernel({
        kernelName: squareGradientKernelName,
        backend,
        inputs: [x, dy],
        outputShapes: [x.shape],
        compute: ([xValues, dyValues], [dxValues]) => {
          const input = xValues as Float32Array;
          const gradient = dyValues as Float32Array;
          const out = dxValues as Float32Array;
          for (let index = 0; index < out.length; index++) {
            out[index] = 2 * (input[index] as number) * (gradient[index] as number);
          }
        },
      });
      return dx as tf.TensorInfo;
    },
  };
}

/** `Square`'s gradient: the fused kernel for same-shape float32 where available, else tfjs-core's. */
export function squareGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.Square,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const gradient = dy as tf.Tensor;
      if (
        x.dtype !== 'float32' ||
        gradient.dtype !== 'float32' ||
        !tf.util.arraysEqual(x.shape, gradient.shape) ||
        tf.getKernel(squareGradientKernelName, tf.getBackend()) === undefined
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      return {
        x: () => tf.engine().runKernel(squareGradientKernelName, { x, dy: gradient }) as tf.Tensor,
      };
    },
  };
}
