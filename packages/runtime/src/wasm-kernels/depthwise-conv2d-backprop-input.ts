import * as tf from '@tensorflow/tfjs-core';
import { assertNoDilation, type Shape4, spreadForInputGradient } from './convolution-geometry.js';

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
  const { filterHeight, filterWidth, inHeight, inWidth } = convolution;
  const [batch, , , channels] = inputShape;
  const multiplier = filter.shape[3];
  return tf.tidy(() => {
    const padded = spreadForInputGradient(dy, convolution);
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
