import * as tf from '@tensorflow/tfjs-core';
import { runDirectKernel } from '../wasm-kernels/direct-kernel.js';

/** Kernel name of the fused `FusedBatchNorm` gradient. */
export const batchNormGradientKernelName = 'GraftFusedBatchNormGrad';

/** Attributes of {@link batchNormGradientKernelName}. */
export interface BatchNormGradientAttrs {
  /** The forward `varianceEpsilon`. */
  varianceEpsilon: number;
}

/**
 * All five gradients of `y = (x − mean)·invstd·scale + offset`, `invstd = 1/√(variance + ε)`,
 * per channel (the last axis) in one pass over `x` and `dy`:
 * `dx = dy·scale·invstd`, `dmean = −scale·invstd·Σdy`,
 * `dvariance = −½·scale·invstd³·Σdy(x − mean)`, `dscale = invstd·Σdy(x − mean)`, `doffset = Σdy`.
 * tfjs-core's gradient spends ~15 kernels (Sub, Mul, Tile, Sum over the leading axes …) on it.
 * In training mode `mean` and `variance` are the batch moments of `x`; their gradients flow on
 * through `tf.moments` as usual. `scale` is empty when the forward had none.
 */
export function batchNormGradientLoop(
  x: Float32Array,
  dy: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  scale: Float32Array | undefined,
  outputs: {
    /** `[…, C]` like `x`. */
    dx: Float32Array;
    /** `[C]` each. */
    dmean: Float32Array;
    dvariance: Float32Array;
    dscale: Float32Array;
    doffset: Float32Array;
  },
  varianceEpsilon: number,
): void {
  const { dx, dmean, dvariance, dscale, doffset } = outputs;
  const channels = mean.length;
  const rows = x.length / channels;
  const factor = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    factor[c] =
      (scale === undefined ? 1 : (scale[c] as number)) /
      Math.sqrt((variance[c] as number) + varianceEpsilon);
  }
  // Sums in float64: the CPU backend's sums are float32 but pairwise, and N·H·W reaches 50,000.
  const sumDy = new Float64Array(channels);
  const sumDyCentred = new Float64Array(channels);
  for (let row = 0; row < rows; row++) {
    const base = row * channels;
    for (let c = 0; c < channels; c++) {
      const gradient = dy[base + c] as number;
      dx[base + c] = gradient * (factor[c] as number);
      sumDy[c] = (sumDy[c] as number) + gradient;
      sumDyCentred[c] =
        (sumDyCentred[c] as number) + gradient * ((x[base + c] as number) - (mean[c] as number));
    }
  }
  for (let c = 0; c < channels; c++) {
    const inverse = 1 / Math.sqrt((variance[c] as number) + varianceEpsilon);
    const scaleValue = scale === undefined ? 1 : (scale[c] as number);
    doffset[c] = sumDy[c] as number;
    dscale[c] = inverse * (sumDyCentred[c] as number);
    dmean[c] = -scaleValue * inverse * (sumDy[c] as number);
    dvariance[c] = -0.5 * scaleValue * inverse * inverse * inverse * (sumDyCentred[c] as number);
  }
}

/** The fused gradient kernel for one backend: outputs `[dx, dmean, dvariance, dscale, doffset]`. */
export function batchNormGradientKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: batchNormGradientKernelName,
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy, mean, variance, scale } = inputs as Record<string, tf.TensorInfo>;
      const channels = (mean as tf.TensorInfo).shape;
      const withScale = scale !== undefined;
      return runDirectKernel({
        kernelName: batchNormGradientKernelName,
        backend,
        inputs: [x, dy, mean, variance, ...(withScale ? [scale] : [])] as tf.TensorInfo[],
        outputShapes: [(x as tf.TensorInfo).shape, channels, channels, channels, channels],
        compute: (values, [dx, dmean, dvariance, dscale, doffset]) =>
          batchNormGradientLoop(
            values[0] as Float32Array,
            values[1] as Float32Array,
            values[2] as Float32Array,
            values[3] as Float32Array,
            values[4],
            {
              dx: dx as Float32Array,
              dmean: dmean as Float32Array,
              dvariance: dvariance as Float32Array,
              dscale: dscale as Float32Array,
              doffset: doffset as Float32Array,
            },
            (attrs as unknown as BatchNormGradientAttrs).varianceEpsilon,
          ),
      });
    },
  };
}

/**
 * `FusedBatchNorm`'s gradient: the fused kernel when the active backend has one and the
 * statistics are per channel of the last axis (tfjs-layers' BatchNormalization, both modes),
 * else tfjs-core's composition.
 */
export function batchNormGradient(original: tf.GradConfig): tf.GradConfig {
  return {
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, savedScale] = saved as Array<tf.Tensor | null | undefined> as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor | null | undefined,
      ];
      const scale = savedScale ?? undefined;
      const gradient = dy as tf.Tensor;
      const channels = x.shape[x.rank - 1];
      const perChannel = (tensor: tf.Tensor | undefined) =>
        tensor === undefined ||
        (tensor.rank === 1 && tensor.shape[0] === channels && tensor.dtype === 'float32');
      if (
        tf.getKernel(batchNormGradientKernelName, tf.getBackend()) === undefined ||
        x.dtype !== 'float32' ||
        gradient.dtype !== 'float32' ||
        !perChannel(mean) ||
        !perChannel(variance) ||
        !perChannel(scale)
      ) {
        return original.gradFunc(dy, saved, attrs);
      }
      const inputs: tf.NamedTensorMap = { x, dy: gradient, mean, variance };
      if (scale !== undefined) inputs.scale = scale;
      const [dx, dmean, dvariance, dscale, doffset] = tf
        .engine()
        .runKernel(batchNormGradientKernelName, inputs, attrs) as tf.Tensor[];
      return {
        x: () => dx as tf.Tensor,
        mean: () => dmean as tf.Tensor,
        variance: () => dvariance as tf.Tensor,
        scale: () => dscale as tf.Tensor,
        offset: () => doffset as tf.Tensor,
      };
    },
  };
}
