import * as tf from '@tensorflow/tfjs-core';
import { assertNoDilation, type Shape4, tapWindows } from './convolution-geometry.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` built from ops the wasm backend has: for every filter
 * tap, the strided window of the padded input times `dy`, summed over batch and positions.
 */
export function depthwiseConv2dBackpropFilter(options: {
  /** The forward input `[N, H, W, C]`. */
  x: tf.Tensor4D;
  /** The gradient of the forward output `[N, OH, OW, C·M]`. */
  dy: tf.Tensor4D;
  /** The forward kernel attributes. */
  attrs: tf.DepthwiseConv2dNativeBackpropFilterAttrs;
}): tf.Tensor4D {
  const { x, dy, attrs } = options;
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const filterShape = attrs.filterShape;
  const convolution = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels } = convolution;
  const multiplier = filterShape[3];
  const rows = batchSize * outHeight * outWidth;
  return tf.tidy(() => {
    const window = tapWindows(x, convolution);
    // [rows, C, M]: the product with a window [rows, C, 1] broadcasts over the multiplier.
    const dyGroups = tf.reshape(dy, [rows, inChannels, multiplier]);
    // Summing over rows as a matrix-vector product avoids the transpose a leading-axis Sum costs.
    const ones = tf.ones([1, rows]) as tf.Tensor2D;
    const taps: tf.Tensor2D[] = [];
    for (let row = 0; row < filterHeight; row++) {
      for (let column = 0; column < filterWidth; column++) {
        const product = tf.mul(tf.reshape(window(row, column), [rows, inChannels, 1]), dyGroups);
        taps.push(
          tf.matMul(ones, tf.reshape<tf.Rank.R2>(product, [rows, inChannels * multiplier])),
        );
      }
    }
    return tf.reshape(tf.concat2d(taps, 0), filterShape);
  });
}
