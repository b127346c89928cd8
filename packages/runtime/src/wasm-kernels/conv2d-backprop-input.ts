import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Shape4, spreadForInputGradient } from './convolution-geometry.js';

/**
 * `Conv2DBackpropInput` as forward ops the wasm backend runs through XNNPACK (its own kernel is
 * a scalar C++ loop): a 1x1 stride-1 convolution's input gradient is one matMul with the
 * transposed filter; any other is a stride-1 convolution of `dy` (dilated by the stride and
 * padded) with the spatially flipped filter whose in/out channels are swapped.
 */
export function conv2dBackpropInput(options: {
  /** The gradient of the forward output `[N, OH, OW, Cout]`. */
  dy: tf.Tensor4D;
  /** The forward filter `[KH, KW, Cin, Cout]`. */
  filter: tf.Tensor4D;
  /** The forward kernel attributes. */
  attrs: tf.Conv2DBackpropInputAttrs;
}): tf.Tensor4D {
  const { dy, filter, attrs } = options;
  if (attrs.dataFormat === 'NCHW') {
    throw new InvalidArgumentError({
      argument: 'Conv2DBackpropInput.dataFormat',
      value: attrs.dataFormat,
      expected: 'must be "NHWC" on the wasm backend',
    });
  }
  const inputShape = attrs.inputShape as Shape4;
  const convolution = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight, filterWidth, strideHeight, strideWidth, inChannels, outChannels, padInfo } =
    convolution;
  return tf.tidy(() => {
    const pointwise =
      filterHeight === 1 &&
      filterWidth === 1 &&
      strideHeight === 1 &&
      strideWidth === 1 &&
      padInfo.top === 0 &&
      padInfo.left === 0 &&
      padInfo.bottom === 0 &&
      padInfo.right === 0;
    if (pointwise) {
      const rows = inputShape[0] * inputShape[1] * inputShape[2];
      // An explicit transpose of the small filter: wasm's matMul is XNNPACK only without flags.
      const gradient = tf.matMul(
        tf.reshape<tf.Rank.R2>(dy, [rows, outChannels]),
        tf.transpose(tf.reshape<tf.Rank.R2>(filter, [inChannels, outChannels])),
      );
      return tf.reshape(gradient, inputShape);
    }
    const padded = spreadForInputGradient(dy, convolution);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}
