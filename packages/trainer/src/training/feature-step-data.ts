import * as tf from '@tensorflow/tfjs-core';
import type { FeatureTable } from '../features/extract-features.js';
import type { TargetRowSampler } from './coral-targets.js';
import type { StepLossData } from './loss-terms.js';
import type { FeatureLossData } from './prepare-loss-terms.js';

/** The features and targets of `rows` of `table`, as two new tensors (the caller disposes them). */
export function gatherRows(
  table: FeatureTable,
  rows: readonly number[],
): [tf.Tensor2D, tf.Tensor2D] {
  const features = new Float32Array(rows.length * table.featureDim);
  const targets = new Float32Array(rows.length * table.numClasses);
  rows.forEach((row, index) => {
    features.set(
      table.features.subarray(row * table.featureDim, (row + 1) * table.featureDim),
      index * table.featureDim,
    );
    targets.set(
      table.targets.subarray(row * table.numClasses, (row + 1) * table.numClasses),
      index * table.numClasses,
    );
  });
  return [
    tf.tensor2d(features, [rows.length, table.featureDim]),
    tf.tensor2d(targets, [rows.length, table.numClasses]),
  ];
}

/** One feature-extraction step's teacher logits and CORAL target features (the caller disposes them). */
export function featureStepData(
  data: FeatureLossData,
  epoch: number,
  rows: readonly number[],
  samplers: readonly TargetRowSampler[],
): StepLossData {
  const teacherTable = data.teacherTables[epoch % Math.max(data.teacherTables.length, 1)];
  let teacherLogits: tf.Tensor2D | undefined;
  if (teacherTable) {
    const width = teacherTable.numClasses;
    const values = new Float32Array(rows.length * width);
    rows.forEach((row, index) => {
      values.set(teacherTable.logits.subarray(row * width, (row + 1) * width), index * width);
    });
    teacherLogits = tf.tensor2d(values, [rows.length, width]);
  }
  const coralTargets = data.coralTables.map((table, index) => {
    const sampled = (samplers[index] as TargetRowSampler).next(rows.length);
    const [features, targets] = gatherRows(table, sampled);
    targets.dispose();
    return features;
  });
  return { ...(teacherLogits ? { teacherLogits } : {}), coralTargets };
}
