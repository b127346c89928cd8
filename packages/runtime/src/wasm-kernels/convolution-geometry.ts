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
 * Returns a function giving, for filter tap (`row`, `column`), the `[N, outHeight, outWidth, C]`
 * window of the padded input that tap sees: rows `row, row + stride, …`, likewise columns.
 *
 * Strided windows are taken without `StridedSlice` (generic and slow on wasm): the padded input
 * is split once into its `stride` row phases, each viewed as `[N, H/s, W/s, s·C]`, so every
 * window is a plain 4-D slice (runs of C contiguous values), which wasm copies quickly.
 */
export function tapWindows(
  x: tf.Tensor4D,
  convolution: tf.backend_util.Conv2DInfo,
): (row: number, column: number) => tf.Tensor4D {
  const { batchSize, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } =
    convolution;
  const channels = x.shape[3];
  const { top, left, bottom, right } = convolution.padInfo;
  if (strideHeight === 1 && strideWidth === 1) {
    const padded = padOrCrop(x, top, bottom, left, right);
    return (row, column) =>
      tf.slice(padded, [0, row, column, 0], [batchSize, outHeight, outWidth, channels]);
  }
  // Pad or crop to exactly the rows and columns the taps can reach, in whole stride blocks.
  const blockRows = outHeight + Math.floor((filterHeight - 1) / strideHeight);
  const blockColumns = outWidth + Math.floor((filterWidth - 1) / strideWidth);
  const height = blockRows * strideHeight;
  const width = blockColumns * strideWidth;
  const padded = padOrCrop(x, top, height - x.shape[1] - top, left, width - x.shape[2] - left);
  const byRowPhase = tf.reshape<tf.Rank.R4>(padded, [
    batchSize,
    blockRows,
    strideHeight,
    width * channels,
  ]);
  const phases: tf.Tensor4D[] = [];
  for (let phase = 0; phase < strideHeight; phase++) {
    const rows = tf.slice(
      byRowPhase,
      [0, 0, phase, 0],
      [batchSize, blockRows, 1, width * channels],
    );
    phases.push(tf.reshape(rows, [batchSize, blockRows, blockColumns, strideWidth * channels]));
  }
  return (row, column) =>
    tf.slice(
      phases[row % strideHeight] as tf.Tensor4D,
      [
        0,
        Math.floor(row / strideHeight),
        Math.floor(column / strideWidth),
        (column % strideWidth) * channels,
      ],
      [batchSize, outHeight, outWidth, channels],
    );
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

/**
 * `dy` dilated by the stride and padded (or cropped) so that a stride-1 "valid" convolution of
 * it with the spatially flipped filter has the forward input's height and width: the input
 * gradient of a convolution expressed as a forward convolution.
 */
export function spreadForInputGradient(
  dy: tf.Tensor4D,
  convolution: tf.backend_util.Conv2DInfo,
): tf.Tensor4D {
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo, inHeight, inWidth } =
    convolution;
  const dilated = dilateByStride(dy, strideHeight, strideWidth);
  // A stride-1 "valid" convolution of a (inHeight + KH - 1)-row input gives inHeight rows.
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const bottom = inHeight + filterHeight - 1 - top - dilated.shape[1];
  const right = inWidth + filterWidth - 1 - left - dilated.shape[2];
  return padOrCrop(dilated, top, bottom, left, right);
}
