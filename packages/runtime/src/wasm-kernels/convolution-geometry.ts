import { InvalidArgumentError } from '@graft/core';
import * as tf from '@tensorflow/tfjs-core';

/** `[N, H, W, C]`. */
export type Shape4 = [number, number, number, number];

/** Throws unless every dilation is 1: the gradient kernels here cover undilated convolutions. */
export function assertNoDilation(kernelName: string, dilations: number | [number, number]): void {
  const values = typeof dilations === 'number' ? [dilations] : dilations;
  if (values.some((value) => value !== 1)) {
    throw new InvalidArgumentError({
      argument: `${kernelName}.dilations`,
      value: dilations,
      expected: 'must be 1 on the wasm backend (dilated convolutions have no wasm gradient yet)',
    });
  }
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 * Negative amounts arise for explicit paddings larger than the filter.
 */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  let result = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    result = tf.pad(result, [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [batch, height, width, channels] = result.shape;
    const cropTop = Math.max(-top, 0);
    const cropLeft = Math.max(-left, 0);
    result = tf.slice(
      result,
      [0, cropTop, cropLeft, 0],
      [
        batch,
        height - cropTop - Math.max(-bottom, 0),
        width - cropLeft - Math.max(-right, 0),
        channels,
      ],
    );
  }
  return result;
}

/**
 * The `[N, outHeight, outWidth, C]` window of the padded input that filter tap (`row`, `column`)
 * sees: rows `row, row + stride, …`, likewise columns.
 */
export function tapWindow(
  padded: tf.Tensor4D,
  row: number,
  column: number,
  convolution: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { batchSize, outHeight, outWidth, strideHeight, strideWidth } = convolution;
  const channels = padded.shape[3];
  if (strideHeight === 1 && strideWidth === 1) {
    return tf.slice(padded, [0, row, column, 0], [batchSize, outHeight, outWidth, channels]);
  }
  return tf.stridedSlice(
    padded,
    [0, row, column, 0],
    [
      batchSize,
      row + (outHeight - 1) * strideHeight + 1,
      column + (outWidth - 1) * strideWidth + 1,
      channels,
    ],
    [1, strideHeight, strideWidth, 1],
  ) as tf.Tensor4D;
}

/** The input padded as the forward convolution padded it (`padInfo` of `convolution`). */
export function padLikeForward(
  x: tf.Tensor4D,
  convolution: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { top, bottom, left, right } = convolution.padInfo;
  return padOrCrop(x, top, bottom, left, right);
}

/**
 * Inserts `stride - 1` zeros between neighbouring rows and columns of `dy` (the "dilation by
 * stride" that turns a strided convolution's input gradient into a stride-1 convolution).
 */
export function dilateByStride(
  dy: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return dy;
  const [batch, height, width, channels] = dy.shape;
  const spread = tf.pad(tf.reshape(dy, [batch, height, 1, width, 1, channels]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  const grid = tf.reshape(spread, [batch, height * strideHeight, width * strideWidth, channels]);
  return tf.slice(
    grid as tf.Tensor4D,
    [0, 0, 0, 0],
    [batch, (height - 1) * strideHeight + 1, (width - 1) * strideWidth + 1, channels],
  );
}
