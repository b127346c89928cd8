import * as tf from '@tensorflow/tfjs-core';
import {
  assertNoDilation,
  dilateByStride,
  padOrCrop,
  type Shape4,
} from './convolution-geometry.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` built from ops the wasm backend has: a stride-1
 * depthwise convolution of `dy` (dilated by the stride and padded so the output has the input's
 * size) with the spatially flipped filter. A channel multiplier M > 1 convolves the C·M
 * channels separately and sums each group of M.
 */
export function depthwiseConv2dBackpropInput(options: {
  /** The gradient of the forward output `[N, OH, OW, C·M]`. */
  dy: tf.Tensor4D;
  /** The forward filter `[KH, KW, C, M]`. */
  filter: tf.Tensor4D;
  /** The forward kernel attributes. */
  attrs: tf.DepthwiseConv2dNativeBackpropInputAttrs;
}): tf.Tensor4D {
  const { dy, filter, attrs } = options;
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  const inputShape = attrs.inputShape;
  const convolution = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo, inHeight, inWidth } =
    convolution;
  const [batch, , , channels] = inputShape;
  const multiplier = filter.shape[3];
  return tf.tidy(() => {
    const dilated = dilateByStride(dy, strideHeight, strideWidth);
    // A stride-1 "valid" convolution of a (inHeight + KH - 1)-row input gives inHeight rows.
    const top = filterHeight - 1 - padInfo.top;
    const left = filterWidth - 1 - padInfo.left;
    const bottom = inHeight + filterHeight - 1 - top - dilated.shape[1];
    const right = inWidth + filterWidth - 1 - left - dilated.shape[2];
    const padded = padOrCrop(dilated, top, bottom, left, right);
    const flipped = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    if (multiplier === 1) {
      return tf.depthwiseConv2d(padded, flipped, 1, 'valid');
    }
    const perOutputChannel = tf.reshape<tf.Rank.R4>(flipped, [
      filterHeight,
      filterWidth,
      channels * multiplier,
      1,
    ]);
    const convolved = tf.depthwiseConv2d(padded, perOutputChannel, 1, 'valid');
    return tf.sum(tf.reshape(convolved, [batch, inHeight, inWidth, channels, multiplier]), 4);
  });
}
