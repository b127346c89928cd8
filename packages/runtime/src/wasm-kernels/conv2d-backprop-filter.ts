import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Shape4, tapWindows } from './convolution-geometry.js';

/**
 * Above this many elements in the im2col matrix the filter gradient is computed tap by tap
 * (one small matMul per filter offset) instead of one large matMul, to bound peak memory.
 */
export const im2colElementLimit = 1 << 24;

/**
 * `Conv2DBackpropFilter` built from ops the wasm backend has: for every filter tap (kh, kw) the
 * strided window of the padded input, `[N·OH·OW, Cin]`, is multiplied (transposed) with `dy`
 * as `[N·OH·OW, Cout]`, giving that tap's `[Cin, Cout]` slice of the gradient. Small problems
 * concatenate the windows into one im2col matrix and do a single matMul (faster on XNNPACK).
 */
export function conv2dBackpropFilter(options: {
  /** The forward input `[N, H, W, Cin]`. */
  x: tf.Tensor4D;
  /** The gradient of the forward output `[N, OH, OW, Cout]`. */
  dy: tf.Tensor4D;
  /** The forward kernel attributes. */
  attrs: tf.Conv2DBackpropFilterAttrs;
  /** Override of {@link im2colElementLimit} (tests use it to exercise both paths). */
  im2colLimit?: number;
}): tf.Tensor4D {
  const { x, dy, attrs } = options;
  if (attrs.dataFormat === 'NCHW') {
    throw new InvalidArgumentError({
      argument: 'Conv2DBackpropFilter.dataFormat',
      value: attrs.dataFormat,
      expected: 'must be "NHWC" on the wasm backend',
    });
  }
  const filterShape = attrs.filterShape;
  const convolution = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels, outChannels } =
    convolution;
  const rows = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth;
  const limit = options.im2colLimit ?? im2colElementLimit;
  return tf.tidy(() => {
    const dyMatrix = tf.reshape<tf.Rank.R2>(dy, [rows, outChannels]);
    const window = tapWindows(x, convolution);
    const windows: tf.Tensor2D[] = [];
    const gradients: tf.Tensor2D[] = [];
    for (let row = 0; row < filterHeight; row++) {
      for (let column = 0; column < filterWidth; column++) {
        const columns = tf.reshape<tf.Rank.R2>(window(row, column), [rows, inChannels]);
        if (rows * inChannels * taps <= limit) windows.push(columns);
        else gradients.push(transposedProduct(columns, dyMatrix));
      }
    }
    const gradient =
      windows.length > 0
        ? // im2col columns are ordered (kh, kw, cin), exactly the filter's leading axes.
          transposedProduct(
            windows.length === 1 ? (windows[0] as tf.Tensor2D) : tf.concat2d(windows, 1),
            dyMatrix,
          )
        : tf.stack(gradients);
    return tf.reshape(gradient, filterShape);
  });
}

/**
 * `aᵀ·b` for tall `a` `[P, K]` and `b` `[P, C]`. wasm's matMul runs XNNPACK only without
 * transpose flags (with them it is a scalar loop, ~6x slower), so the narrower operand is
 * transposed explicitly: `transpose(a)·b`, or `transpose(transpose(b)·a)` when `C < K`.
 */
export function transposedProduct(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.shape[1] <= b.shape[1]) return tf.matMul(tf.transpose(a), b);
  return tf.transpose(tf.matMul(tf.transpose(b), a)) as tf.Tensor2D;
}
