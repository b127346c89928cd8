import * as tf from '@tensorflow/tfjs-core';
import { expandChannels } from './color.js';

/** A rectangle in pixels: rows `[top, bottom)`, columns `[left, right)`. */
export interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * `[N, H, W, 3]` float mask, 1 inside each image's box and 0 elsewhere: the outer product of a
 * row mask and a column mask built in JS (a batched matMul with K = 1), copied to 3 channels.
 */
export function boxMask(boxes: readonly Box[], height: number, width: number): tf.Tensor4D {
  const count = boxes.length;
  const rows = boxes.flatMap((box) =>
    Array.from({ length: height }, (_, row) => (row >= box.top && row < box.bottom ? 1 : 0)),
  );
  const columns = boxes.flatMap((box) =>
    Array.from({ length: width }, (_, column) =>
      column >= box.left && column < box.right ? 1 : 0,
    ),
  );
  const mask = tf.matMul(
    tf.tensor3d(rows, [count, height, 1]),
    tf.tensor3d(columns, [count, 1, width]),
  );
  return expandChannels(tf.reshape(mask, [count, height, width, 1]));
}
