import * as tf from '@tensorflow/tfjs-core';
import { runDirectKernel } from './direct-kernel.js';
import { leadingAxesSumLoop } from './leading-axes-sum-loop.js';

/**
 * `Sum` or `Mean` over all axes but the last of a float32 tensor (BatchNormalization's moments
 * and the reductions in its gradient) as one sequential pass over backend memory. tfjs 4.22's
 * wasm `Sum`/`Mean` first transposes the reduced axes innermost (a strided copy of the whole
 * tensor), then reduces: ~2x the CPU time. (A matMul with ones is slower still on fresh
 * tensors: XNNPACK packs the whole input as the weight matrix on every call.) Returns
 * undefined for other reductions.
 */
export function leadingAxesReduction(options: {
  /** The input. */
  x: tf.TensorInfo;
  /** The reduction's `axis` attribute. */
  axis: number | number[];
  /** The reduction's `keepDims` attribute. */
  keepDims: boolean;
  /** Whether to divide by the number of rows. */
  mean: boolean;
  /** The backend the kernel runs on (wasm or cpu). */
  backend: unknown;
}): tf.TensorInfo | undefined {
  const { x, keepDims, mean, backend } = options;
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return undefined;
  const axes = tf.util.parseAxisParam(options.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length === rank - 1 && axes.every((axis, index) => axis === index);
  if (!leading) return undefined;
  const channels = x.shape[rank - 1] as number;
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  if (rows === 0 || channels === 0) return undefined;
  const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
  const [output] = runDirectKernel({
    kernelName: mean ? tf.Mean : tf.Sum,
    backend,
    inputs: [x],
    outputShapes: [shape],
    compute: ([values], [out]) =>
      leadingAxesSumLoop(values as Float32Array, out as Float32Array, mean ? 1 / rows : 1),
  });
  return output;
}
