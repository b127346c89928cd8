import * as tf from '@tensorflow/tfjs-core';
import type { FeatureTable } from '../features/extract-features.js';

/**
 * Rows `rows` of `table` as a batch: activations `[rows, ...shape]` and targets
 * `[rows, numClasses]`. The caller disposes both tensors.
 */
export function gatherTableRows(
  table: FeatureTable,
  rows: readonly number[],
  shape: readonly number[],
): { inputs: tf.Tensor; targets: tf.Tensor2D } {
  const values = new Float32Array(rows.length * table.featureDim);
  const targets = new Float32Array(rows.length * table.numClasses);
  rows.forEach((row, index) => {
    values.set(
      table.features.subarray(row * table.featureDim, (row + 1) * table.featureDim),
      index * table.featureDim,
    );
    targets.set(
      table.targets.subarray(row * table.numClasses, (row + 1) * table.numClasses),
      index * table.numClasses,
    );
  });
  return {
    inputs: tf.tensor(values, [rows.length, ...shape]),
    targets: tf.tensor2d(targets, [rows.length, table.numClasses]),
  };
}
