import * as tf from '@tensorflow/tfjs-core';
import { runDirectKernel } from '../wasm-kernels/direct-kernel.js';

/** Kernel name of the fused `Mean` gradient over the leading axes. */
export const meanGradientKernelName = 'GraftMeanGrad';

/** Attributes of {@link meanGradientKernelName}. */
export interface MeanGradientAttrs {
  /** The forward input's shape: the gradient's shape. */
  inputShape: number[];
}

/**
 * `dx[r, c] = dy[c] / rows`: the gradient of a mean over all axes but the last, written in one
 * pass. tfjs-core's writes a full-size `ones`, multiplies and divides (three passes); training-
 * mode BatchNormalization's moments take two such means per layer.
 */
export function meanGradientKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: meanGradientKernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { dy } = inputs as { dy: tf.TensorInfo };
      const { inputShape } = attrs as unknown as MeanGradientAttrs;
      const [dx] = runDirectKernel({
        kernelName: meanGradientKernelName,
        backend,
        inputs: [dy],
        outputShapes: [inputShape],
        compute: ([dyValues], [dxValues]) => {
          const gradient = dyValues as Float32Array;
          const out = dxValues as Float32Array;
          const channels = gradient.length;
          const rows = out.length / channels;
          const scaled = gradient.map((value) => value / rows);
          for (let row = 0; row < rows; row++) out.set(scaled, row * channels);
        },
      });
      return dx as tf.TensorInfo;
    },
  };
}

/** `Mean`'s gradient: the fused kernel for leading-axes means where available, else tfjs-core's. */
export function meanGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const gradient = dy as tf.Tensor;
      const axes = tf.util
        .parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape)
        .sort((a, b) => a - b);
      const leading =
        x.rank >= 2 &&
        axes.length === x.rank - 1 &&
        axes.every((axis, index) => axis === index) &&
        x.shape[x.rank - 1] === gradient.size;
      if (
        !leading ||
        x.size === 0 ||
        gradient.dtype !== 'float32' ||
        tf.getKernel(meanGradientKernelName, tf.getBackend()) === undefined
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      const kernelAttrs: MeanGradientAttrs = { inputShape: [...x.shape] };
      return {
        x: () =>
          tf
            .engine()
            .runKernel(
              meanGradientKernelName,
              { dy: gradient },
              kernelAttrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor,
      };
    },
  };
}
