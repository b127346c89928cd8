import * as tf from '@tensorflow/tfjs-core';

/** A rectangle in pixels: rows `[top, bottom)`, columns `[left, right)`. */
export interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * `[N, H, W, 1]` float mask, 1 inside each sample's box and 0 elsewhere, built from row and
 * column comparisons (no per-pixel JS).
 */
export function boxMask(boxes: readonly Box[], height: number, width: number): tf.Tensor4D {
  const count = boxes.length;
  const rows = tf.reshape(tf.range(0, height, 1, 'float32'), [1, height, 1, 1]);
  const columns = tf.reshape(tf.range(0, width, 1, 'float32'), [1, 1, width, 1]);
  const column = (pick: (box: Box) => number) => tf.tensor4d(boxes.map(pick), [count, 1, 1, 1]);
  const inRows = tf.logicalAnd(
    tf.greaterEqual(
      rows,
      column((box) => box.top),
    ),
    tf.less(
      rows,
      column((box) => box.bottom),
    ),
  );
  const inColumns = tf.logicalAnd(
    tf.greaterEqual(
      columns,
      column((box) => box.left),
    ),
    tf.less(
      columns,
      column((box) => box.right),
    ),
  );
  return tf.cast(tf.logicalAnd(inRows, inColumns), 'float32') as tf.Tensor4D;
}
