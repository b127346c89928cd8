import * as tf from '@tensorflow/tfjs-core';

/**
 * `Sum` or `Mean` over all axes but the last of a float32 tensor (BatchNormalization's moments
 * and the reductions in its gradient), as one matrix-vector product `ones[1, rows]·x[rows, C]`
 * on XNNPACK. tfjs 4.22's wasm `Sum`/`Mean` first transposes the reduced axes innermost (a
 * strided copy of the whole tensor), then reduces. Returns undefined for other reductions.
 */
export function leadingAxesReduction(options: {
  /** The input. */
  x: tf.Tensor;
  /** The reduction's `axis` attribute. */
  axis: number | number[];
  /** The reduction's `keepDims` attribute. */
  keepDims: boolean;
  /** Whether to divide by the number of rows. */
  mean: boolean;
}): tf.Tensor | undefined {
  const { x, keepDims, mean } = options;
  if (x.dtype !== 'float32' || x.rank < 2) return undefined;
  const axes = tf.util.parseAxisParam(options.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length === x.rank - 1 && axes.every((axis, index) => axis === index);
  if (!leading) return undefined;
  const channels = x.shape[x.rank - 1] as number;
  const rows = x.size / channels;
  if (rows === 0 || channels === 0) return undefined;
  return tf.tidy(() => {
    const weights = tf.fill([1, rows], mean ? 1 / rows : 1) as tf.Tensor2D;
    const reduced = tf.matMul(weights, tf.reshape<tf.Rank.R2>(x, [rows, channels]));
    const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels];
    return tf.reshape(reduced, shape);
  });
}
